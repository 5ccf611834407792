// Mailboxes (ISPConfig "Email mailbox") with their tabs. A mailbox owner (role user) reaches
// only their own mailbox, through the same declaration: the scope gives them one row and the
// field roles hide what only the ISP or the client may change (quota, active...).
//
// Tabs stored in other tables (autoresponder, sender lists) are declared in `extraTabs` with
// their own load/save calling lib; each appears once its table exists. See TabDef in types.ts.
import { createMailbox, updateMailbox, deleteMailbox } from '../../lib/mailboxes';
import { displayAddress } from '../../lib/address';
import { generatePassword } from '../../lib/password';
import { findAutoreply, saveAutoreply } from '../../lib/autoreply/store';
import { scopes } from '../engine/scopes';
import type { Ctx, FieldDef, ResourceDef, TabDef, Values } from '../engine/types';
import { addressOf, defined, domainOptions, idOrNull, languageOptions, spamPolicyOptions, tableExists } from './common';

const hasSpamPolicies = tableExists('spam_policies');

/**
 * Tabs stored outside the mailbox row. Adding one is a declaration here:
 * `{ tab: { name, label, fields, available: tableExists('x'), load, save }, fields: [...] }`.
 */
export const extraMailboxTabs: { tab: TabDef; fields: FieldDef[] }[] = [
  {
    // the mailbox's default autoreply (lib/autoreply): out-of-office text with an optional period
    tab: {
      name: 'autoresponder',
      label: 'tab.autoresponder',
      fields: ['enabled', 'subject', 'body_text', 'starts_at', 'ends_at'],
      available: tableExists('autoreplies'),
      async load({ db }, row) {
        const a = await findAutoreply(db, Number(row.id)).catch((err) => {
          if ((err as { code?: string }).code === 'not_found') return null;
          throw err;
        });
        return a ? { enabled: a.enabled, subject: a.subject ?? '', body_text: a.body_text, starts_at: a.starts_at, ends_at: a.ends_at } : { enabled: false };
      },
      async save({ db }, row, v) {
        const existing = await db('autoreplies').where({ mailbox_id: Number(row.id) }).first('id');
        if (!existing && !v.enabled && !String(v.body_text ?? '').trim()) return; // nothing to keep
        await saveAutoreply(db, Number(row.id), {
          enabled: !!v.enabled,
          subject: (v.subject as string) || null,
          bodyText: String(v.body_text ?? ''),
          startsAt: (v.starts_at as string | null) ?? null,
          endsAt: (v.ends_at as string | null) ?? null,
        });
      },
    },
    fields: [
      { name: 'enabled', type: 'checkbox', label: 'field.autoreply_enabled', help: 'help.autoreply_enabled' },
      { name: 'subject', type: 'text', label: 'field.subject', help: 'help.autoreply_subject', maxLength: 255 },
      { name: 'body_text', type: 'textarea', label: 'field.body_text', help: 'help.autoreply_body' },
      { name: 'starts_at', type: 'datetime', label: 'field.starts_at', help: 'help.starts_at' },
      { name: 'ends_at', type: 'datetime', label: 'field.ends_at', help: 'help.ends_at' },
    ],
  },
];

function passwordChange(ctx: Ctx, v: Values): { password?: string; notice?: string } {
  if (v.password_generate) {
    const password = generatePassword();
    return { password, notice: ctx.t('flash.generated_password', { password }) };
  }
  return { password: v.password as string | undefined };
}

export function mailboxesResource(): ResourceDef {
  return {
    name: 'mailboxes',
    table: 'mailboxes',
    icon: 'mailbox',
    section: 'mail',
    permissions: { admin: ['list', 'create', 'edit', 'delete'], client: ['list', 'create', 'edit', 'delete'], user: ['edit'] },
    scope: scopes.mailboxes,
    orderBy: 'mailboxes.address',
    fields: [
      { name: 'address', type: 'address', label: 'field.address', help: 'help.mailbox_address', required: true, createOnly: true, options: domainOptions, ref: 'domains', display: (r) => displayAddress(String(r.address)) },
      { name: 'name', type: 'text', label: 'field.label', help: 'help.label', maxLength: 190 },
      { name: 'password', type: 'password', label: 'field.password', help: 'help.password', required: true },
      { name: 'quota_mb', type: 'number', label: 'field.quota', help: 'help.mailbox_quota', min: 0, max: 10_000_000, suffix: 'unit.mb', roles: ['admin', 'client'] },
      { name: 'active', type: 'checkbox', label: 'field.active', help: 'help.mailbox_active', default: true, roles: ['admin', 'client'] },
      { name: 'language', type: 'select', label: 'field.language', options: languageOptions },
      { name: 'redirect_to', type: 'targets', label: 'field.redirect_to', help: 'help.redirect_to' },
      { name: 'keep_copy', type: 'checkbox', label: 'field.keep_copy', help: 'help.keep_copy' },
      { name: 'spam_policy_id', type: 'select', label: 'field.spam_policy', help: 'help.mailbox_spam_policy', available: hasSpamPolicies, options: spamPolicyOptions, ref: 'spam_policies' },
      ...extraMailboxTabs.flatMap((x) => x.fields),
    ],
    tabs: [
      { name: 'mailbox', label: 'tab.mailbox', fields: ['address', 'name', 'password', 'quota_mb', 'active', 'language'] },
      { name: 'forwarding', label: 'tab.forwarding', fields: ['redirect_to', 'keep_copy'] },
      { name: 'spam', label: 'tab.spam', fields: ['spam_policy_id'], available: hasSpamPolicies },
      ...extraMailboxTabs.map((x) => x.tab),
    ],
    list: {
      columns: [
        { name: 'address', label: 'field.address', format: 'address' },
        { name: 'name', label: 'field.label' },
        { name: 'quota_mb', label: 'field.quota', format: 'mb' },
        { name: 'used_bytes', label: 'col.used', format: 'bytes' },
        { name: 'redirect_to', label: 'col.redirect', format: 'list' },
        { name: 'active', label: 'field.active', format: 'bool' },
      ],
      search: [
        { name: 'address', column: 'mailboxes.address', type: 'text' },
        { name: 'name', column: 'mailboxes.name', type: 'text' },
        { name: 'active', column: 'mailboxes.active', type: 'bool' },
      ],
    },
    label: (r) => displayAddress(String(r.address)),
    canDelete: (r) => r.local_part !== 'postmaster',
    async onInsert(ctx, v) {
      const { mailbox, password } = await createMailbox(ctx.db, {
        address: addressOf(v),
        password: v.password_generate ? undefined : (v.password as string | undefined),
        generatePassword: !!v.password_generate,
        quotaMb: v.quota_mb as number | undefined,
        name: v.name as string | undefined,
        active: v.active as boolean | undefined,
        language: (v.language as string | null | undefined) ?? null,
      });
      return { id: mailbox.id, notice: password ? ctx.t('flash.generated_password', { password }) : undefined };
    },
    async onUpdate(ctx, row, v) {
      const { password, notice } = passwordChange(ctx, v);
      await updateMailbox(
        ctx.db,
        Number(row.id),
        defined({
          password,
          name: v.name as string | undefined,
          quotaMb: v.quota_mb as number | undefined,
          active: v.active as boolean | undefined,
          language: v.language as string | null | undefined,
          redirectTo: v.redirect_to as string | undefined,
          keepCopy: v.keep_copy as boolean | undefined,
          spamPolicyId: v.spam_policy_id === undefined ? undefined : idOrNull(v.spam_policy_id),
        }),
      );
      return { notice };
    },
    async onDelete({ db }, row) {
      await deleteMailbox(db, String(row.address));
    },
  };
}
