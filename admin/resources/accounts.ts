// Accounts of the admin pages: ISP admins and clients (customers owning domains). A client
// reaches only its own account (name, e-mail, password, language).
import { createAccount, updateAccount, deleteAccount, ACCOUNT_ROLES } from '../../lib/accounts';
import { scopes } from '../engine/scopes';
import type { FormValues, Option, ResourceDef } from '../engine/types';
import { accountAllows, clientPlanFacts, clientPlanFactsTab, clientPlanFields, clientPlanTab, withPlanFacts } from './permissions';
import { currentPasswordRule, defined, saveSingleSession, singleSessionField, languageOptions, passwordChange, passwordInput } from './common';

async function roleOptions(): Promise<Option[]> {
  return [
    { value: 'admin', labelKey: 'role.admin' },
    { value: 'client', labelKey: 'role.client' },
  ];
}

/** The fields an account's form maps one to one onto lib's input (undefined: not on the form). */
function accountFields(v: FormValues) {
  return { name: v.text('name'), email: v.text('email'), active: v.checkbox('active') };
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
    { name: 'language', type: 'select', label: 'field.language', options: languageOptions, emptyLabel: 'field.language_auto' },
    { name: 'active', type: 'checkbox', label: 'field.active', roles: ['admin'], default: true },
    singleSessionField,
    ...clientPlanFields,
    ...clientPlanFacts,
  ],
  // a client's Permissions tab (what its mailboxes' owners may change, its limits): admins, on clients only
  tabs: [
    { name: 'account', label: 'tab.account', fields: ['username', 'role', 'name', 'email', 'password', 'current_password', 'language', 'active', 'single_session'] },
    clientPlanTab,
    clientPlanFactsTab,
  ],
  allows: accountAllows,
  // a client reads its own plan (limits, use, what its owners may change)
  decorate: withPlanFacts,
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
  // a client changes its own password only with the current one (rule in lib/accounts)
  onBeforeSave: currentPasswordRule('account'),
  async onInsert(ctx, v) {
    const { account, password } = await createAccount(ctx.db, { ...accountFields(v), username: v.text('username') ?? '', role: v.oneOf('role', ACCOUNT_ROLES) ?? 'client', language: v.nullable('language') ?? null, ...passwordInput(v) });
    await saveSingleSession(ctx.db, 'account', account.id, v);
    return { id: account.id, notice: password ? ctx.t('flash.generated_password', { password }) : undefined };
  },
  async onUpdate(ctx, row, v) {
    const { password, notice } = passwordChange(ctx, v);
    await updateAccount(ctx.db, Number(row.id), defined({ ...accountFields(v), password, language: v.nullable('language'), role: v.oneOf('role', ACCOUNT_ROLES) }));
    await saveSingleSession(ctx.db, 'account', Number(row.id), v);
    return { notice };
  },
  async onDelete({ db }, row) {
    await deleteAccount(db, Number(row.id));
  },
};
