// Small pieces shared by the resource declarations: option lists (always read through the
// scopes, so a select never offers someone else's object) and feature detection.
import { type Db, displayDomain, generatePassword } from '../../lib/core';
import { isMailboxPolicy, LIST_KINDS } from '../../lib/policy';
import { checkCurrentPassword, setSingleSession, type PasswordOwner } from '../../lib/accounts';
import { scopes } from '../engine/scopes';
import type { ColumnDef, Ctx, FieldDef, FormValues, Option, ResourceDef, SearchDef } from '../engine/types';

/** Domains the principal may use, for selects and address fields. */
export async function domainOptions(ctx: Ctx): Promise<Option[]> {
  const rows = await scopes.domains(ctx.db, ctx.principal).select('domains.id', 'domains.name').orderBy(['domains.sort_key', 'domains.name']);
  return rows.map((r: { id: number; name: string }) => ({ value: String(r.id), label: displayDomain(r.name) }));
}

export async function clientOptions(ctx: Ctx): Promise<Option[]> {
  const rows = await scopes.accounts(ctx.db, ctx.principal).where('accounts.role', 'client').select('accounts.id', 'accounts.username', 'accounts.name').orderBy('accounts.username');
  return rows.map((r: { id: number; username: string; name: string }) => ({ value: String(r.id), label: r.name ? `${r.username} (${r.name})` : r.username }));
}

export async function languageOptions(): Promise<Option[]> {
  return [
    { value: 'fr', labelKey: 'lang.fr' },
    { value: 'en', labelKey: 'lang.en' },
  ];
}

export async function yesNoOptions(): Promise<Option[]> {
  return [
    { value: '1', labelKey: 'common.yes' },
    { value: '0', labelKey: 'common.no' },
  ];
}

// Tables brought by other features (spam policies, autoreplies, sender lists) switch their
// fields and tabs on as soon as their migration has run; checked at most every 10 s.
const tableCache = new Map<string, { at: number; exists: boolean }>();

export function tableExists(table: string) {
  return async (db: Db): Promise<boolean> => {
    const key = `${table}@${(db.client.config as { connection?: { filename?: string; database?: string } }).connection?.filename ?? ''}${(db.client.config as { connection?: { database?: string } }).connection?.database ?? ''}`;
    const hit = tableCache.get(key);
    if (hit && Date.now() - hit.at < 10_000) return hit.exists;
    const exists = await db.schema.hasTable(table);
    tableCache.set(key, { at: Date.now(), exists });
    return exists;
  };
}

/** Shared spam policies to choose from (not the private "own settings" of mailboxes). */
export async function spamPolicyOptions(ctx: Ctx): Promise<Option[]> {
  const rows = (await ctx.db('spam_policies').select('id', 'name').orderBy('name')).filter((r: { name: string }) => !isMailboxPolicy(r.name));
  return rows.map((r: { id: number; name: string }) => ({ value: String(r.id), label: String(r.name) }));
}

/** Only the keys that were on the submitted form (undefined = not changed). */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * onBeforeSave of a login's edit form (an account, a mailbox): changing its password may need
 * the current one (the rule is lib/accounts checkCurrentPassword).
 */
export function currentPasswordRule(kind: PasswordOwner['kind']): NonNullable<ResourceDef['onBeforeSave']> {
  return async (ctx, v, row) => {
    if (!row || (v.text('password') === undefined && !v.generate())) return;
    const owner = { kind, id: Number(row.id), passwordHash: row.password_hash == null ? null : String(row.password_hash) };
    await checkCurrentPassword(ctx.principal, owner, v.text('current_password'));
  };
}

/** A new login's password for lib: the typed one, or lib generates one (box ticked, or none typed). */
export function passwordInput(v: FormValues): { password?: string; generatePassword: boolean } {
  return { password: v.generate() ? undefined : v.text('password'), generatePassword: v.generate() };
}

/** A password change on an edit form: the typed one, or one generated here and shown once (notice). */
export function passwordChange(ctx: Ctx, v: FormValues): { password?: string; notice?: string } {
  if (!v.generate()) return { password: v.text('password') };
  const password = generatePassword();
  return { password, notice: ctx.t('flash.generated_password', { password }) };
}

/** A select's options from a fixed list of values, labelled by the locale keys `<prefix><value>`. */
export const i18nOptions = (values: readonly string[], prefix: string) => async (): Promise<Option[]> => values.map((v) => ({ value: v, labelKey: `${prefix}${v}` }));

/** A sender-list entry, wherever it is managed (global and domain lists, a mailbox's tab). */
export const senderListEntry = {
  fields: (defaultKind: string): FieldDef[] => [
    { name: 'kind', type: 'select', label: 'field.kind', help: 'help.kind', required: true, options: i18nOptions(LIST_KINDS, 'sender.kind_'), default: defaultKind },
    { name: 'pattern', type: 'text', label: 'field.pattern', help: 'help.pattern', required: true, maxLength: 320 },
    { name: 'comment', type: 'text', label: 'field.comment', maxLength: 190 },
  ],
  columns: [
    { name: 'kind', label: 'field.kind', format: 'i18n', i18nPrefix: 'sender.kind_' },
    { name: 'pattern', label: 'field.pattern' },
    { name: 'comment', label: 'field.comment' },
    { name: 'created_at', label: 'col.created', format: 'date' },
  ] as ColumnDef[],
  search: [
    { name: 'kind', column: 'sender_lists.kind', type: 'select', options: i18nOptions(LIST_KINDS, 'sender.kind_') },
    { name: 'pattern', column: 'sender_lists.pattern', type: 'text' },
    { name: 'comment', column: 'sender_lists.comment', type: 'text' },
  ] as SearchDef[],
  /** the entry's fields as lib's input (its owner is added by the page) */
  input: (v: FormValues) => ({ kind: v.text('kind') ?? '', pattern: v.text('pattern') ?? '', comment: v.text('comment') }),
};

/** "One session at a time" on a login's form (accounts and mailboxes.single_session). */
export const singleSessionField: FieldDef = { name: 'single_session', type: 'checkbox', label: 'field.single_session', help: 'help.single_session' };

/** Stores the single-session option when the form had it. */
export async function saveSingleSession(db: Db, kind: 'account' | 'mailbox', id: number, v: FormValues): Promise<void> {
  const on = v.checkbox('single_session');
  if (on !== undefined) await setSingleSession(db, kind, id, on);
}
