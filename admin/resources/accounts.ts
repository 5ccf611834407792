// Accounts of the admin pages: ISP admins and clients (customers owning domains). A client
// reaches only its own account (name, e-mail, password, language).
import { createAccount, updateAccount, deleteAccount } from '../../lib/accounts';
import { generatePassword, verifyPassword, invalid } from '../../lib/core';
import { scopes } from '../engine/scopes';
import type { Option, ResourceDef } from '../engine/types';
import { defined, languageOptions } from './common';

async function roleOptions(): Promise<Option[]> {
  return [
    { value: 'admin', labelKey: 'role.admin' },
    { value: 'client', labelKey: 'role.client' },
  ];
}

export const accounts: ResourceDef = {
  name: 'accounts',
  table: 'accounts',
  icon: 'person-badge',
  section: 'system',
  permissions: { admin: ['list', 'create', 'edit', 'delete'], client: ['edit'] },
  scope: scopes.accounts,
  orderBy: 'accounts.username',
  fields: [
    { name: 'username', type: 'text', label: 'field.username', help: 'help.username', required: true, createOnly: true, maxLength: 64 },
    { name: 'role', type: 'select', label: 'field.role', required: true, roles: ['admin'], options: roleOptions, default: 'client' },
    { name: 'name', type: 'text', label: 'field.name', maxLength: 190 },
    { name: 'email', type: 'text', label: 'field.email', help: 'help.email', maxLength: 320 },
    { name: 'password', type: 'password', label: 'field.password', help: 'help.password', required: true },
    { name: 'current_password', type: 'password', label: 'field.current_password', help: 'help.current_password', roles: ['client'], noGenerate: true, autocomplete: 'current-password' },
    { name: 'language', type: 'select', label: 'field.language', options: languageOptions },
    { name: 'active', type: 'checkbox', label: 'field.active', roles: ['admin'], default: true },
  ],
  list: {
    columns: [
      { name: 'username', label: 'field.username' },
      { name: 'role', label: 'field.role', format: 'i18n', i18nPrefix: 'role.' },
      { name: 'name', label: 'field.name' },
      { name: 'email', label: 'field.email' },
      { name: 'active', label: 'field.active', format: 'bool' },
      { name: 'created_at', label: 'col.created', format: 'date' },
    ],
    search: [
      { name: 'username', column: 'accounts.username', type: 'text' },
      { name: 'role', column: 'accounts.role', type: 'select', options: roleOptions },
      { name: 'name', column: 'accounts.name', type: 'text' },
      { name: 'email', column: 'accounts.email', type: 'text' },
      { name: 'active', column: 'accounts.active', type: 'bool' },
    ],
  },
  label: (r) => String(r.username),
  // nobody deletes the account they are logged in with
  canDelete: (r, p) => !(p.role !== 'user' && Number(r.id) === p.id),
  // a client changes its own password only with the current one (a stolen session is not enough)
  async onBeforeSave(ctx, v, row) {
    if (ctx.principal.role === 'client' && row && (v.password !== undefined || v.password_generate)) {
      const current = typeof v.current_password === 'string' ? v.current_password : '';
      if (!current || !(await verifyPassword(current, String(row.password_hash ?? '')))) throw invalid('current_password', ctx.t('err.current_password'));
    }
    return v;
  },
  async onInsert(ctx, v) {
    const { account, password } = await createAccount(ctx.db, {
      username: String(v.username),
      role: v.role === 'admin' ? 'admin' : 'client',
      password: v.password_generate ? undefined : (v.password as string | undefined),
      generatePassword: !!v.password_generate,
      name: v.name as string | undefined,
      email: v.email as string | undefined,
      language: (v.language as string | null | undefined) ?? null,
      active: v.active as boolean | undefined,
    });
    return { id: account.id, notice: password ? ctx.t('flash.generated_password', { password }) : undefined };
  },
  async onUpdate(ctx, row, v) {
    let password = v.password as string | undefined;
    let notice: string | undefined;
    if (v.password_generate) {
      password = generatePassword();
      notice = ctx.t('flash.generated_password', { password });
    }
    await updateAccount(
      ctx.db,
      Number(row.id),
      defined({
        password,
        name: v.name as string | undefined,
        email: v.email as string | undefined,
        language: v.language as string | null | undefined,
        active: v.active as boolean | undefined,
        role: v.role === undefined ? undefined : v.role === 'admin' ? ('admin' as const) : ('client' as const),
      }),
    );
    return { notice };
  },
  async onDelete({ db }, row) {
    await deleteAccount(db, Number(row.id));
  },
};
