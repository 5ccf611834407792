// Spam policies (lib/policies.ts) and sender lists (lib/senderLists.ts): allow, block and
// newsletter lists, global (admin), per domain (admin, client) or per mailbox (and its owner).
import { createPolicy, updatePolicy, deletePolicy, SPAM_ACTIONS, NEWSLETTER_ACTIONS, VIRUS_ACTIONS, DEFAULT_POLICY_NAME, addListEntry, deleteListEntry } from '../../lib/policy';
import { displayAddress, displayDomain } from '../../lib/core';
import { scopes } from '../engine/scopes';
import type { Ctx, FormValues, Option, ResourceDef } from '../engine/types';
import { defined, tableExists, i18nOptions as options, senderListEntry } from './common';

const hasSpamTables = tableExists('sender_lists');

/** The fields a policy's form maps one to one onto lib's input (undefined: not on the form). */
function policyFields(v: FormValues) {
  return { name: v.text('name'), threshold: v.text('threshold'), action: v.text('action'), newsletterAction: v.text('newsletter_action'), virusAction: v.text('virus_action') };
}

export const spamPolicies: ResourceDef = {
  name: 'spam-policies',
  table: 'spam_policies',
  icon: 'shield-check',
  section: 'system',
  available: hasSpamTables,
  permissions: { admin: ['list', 'create', 'edit', 'delete'] },
  scope: scopes.spamPolicies,
  orderBy: 'spam_policies.name',
  fields: [
    { name: 'name', type: 'text', label: 'field.policy_name', help: 'help.policy_name', required: true, maxLength: 64 },
    { name: 'threshold', type: 'text', label: 'field.threshold', help: 'help.threshold', required: true, default: '5', maxLength: 8 },
    { name: 'action', type: 'select', label: 'field.spam_action', help: 'help.spam_action', required: true, options: options(SPAM_ACTIONS, 'spam_action.'), default: 'tag' },
    { name: 'subject_tag', type: 'text', label: 'field.subject_tag', help: 'help.subject_tag', maxLength: 190, default: '*****SPAM*****' },
    { name: 'warning', type: 'textarea', label: 'field.warning', help: 'help.warning' },
    { name: 'newsletter_action', type: 'select', label: 'field.newsletter_action', required: true, options: options(NEWSLETTER_ACTIONS, 'newsletter_action.'), default: 'deliver' },
    { name: 'antivirus', type: 'checkbox', label: 'field.antivirus', default: true },
    { name: 'virus_action', type: 'select', label: 'field.virus_action', required: true, options: options(VIRUS_ACTIONS, 'virus_action.'), default: 'quarantine' },
  ],
  list: {
    columns: [
      { name: 'name', label: 'field.policy_name' },
      { name: 'threshold', label: 'field.threshold', format: 'number' },
      { name: 'action', label: 'field.spam_action', format: 'i18n', i18nPrefix: 'spam_action.' },
      { name: 'subject_tag', label: 'field.subject_tag' },
      { name: 'antivirus', label: 'field.antivirus', format: 'bool' },
    ],
    search: [
      { name: 'name', column: 'spam_policies.name', type: 'text' },
      { name: 'action', column: 'spam_policies.action', type: 'select', options: options(SPAM_ACTIONS, 'spam_action.') },
    ],
  },
  label: (r) => String(r.name),
  canDelete: (r) => r.name !== DEFAULT_POLICY_NAME,
  async onInsert({ db }, v) {
    const p = await createPolicy(db, { ...policyFields(v), name: v.text('name') ?? '', subjectTag: v.text('subject_tag') ?? '', warning: v.text('warning') ?? null, antivirus: !!v.checkbox('antivirus') });
    return { id: p.id };
  },
  async onUpdate({ db }, row, v) {
    await updatePolicy(db, Number(row.id), defined({ ...policyFields(v), subjectTag: v.text('subject_tag'), warning: v.text('warning'), antivirus: v.checkbox('antivirus') }));
  },
  async onDelete({ db }, row) {
    await deletePolicy(db, Number(row.id));
  },
};

/** Whose list a new entry goes to: "g" (global), "d:<domain id>" or "m:<mailbox id>", all within scope. */
async function ownerOptions(ctx: Ctx): Promise<Option[]> {
  const out: Option[] = [];
  if (ctx.principal.role === 'admin') out.push({ value: 'g', labelKey: 'sender.global' });
  const domains = await scopes.domains(ctx.db, ctx.principal).select('domains.id', 'domains.name').orderBy(['domains.sort_key', 'domains.name']);
  for (const d of domains) out.push({ value: `d:${d.id}`, label: `${ctx.t('sender.domain')} ${displayDomain(d.name)}` });
  const mailboxes = await scopes.mailboxes(ctx.db, ctx.principal).select('mailboxes.id', 'mailboxes.address').orderBy(['mailboxes.sort_key', 'mailboxes.address']);
  for (const m of mailboxes) out.push({ value: `m:${m.id}`, label: displayAddress(m.address) });
  return out;
}

export const senderLists: ResourceDef = {
  name: 'sender-lists',
  table: 'sender_lists',
  icon: 'person-lines-fill',
  section: 'mail',
  available: hasSpamTables,
  // entries are added and removed, never edited (lib has no update): rows are not clickable
  // a mailbox owner manages their entries in the Sender lists tab of their mailbox
  permissions: { admin: ['list', 'create', 'delete'], client: ['list', 'create', 'delete'] },
  scope: scopes.senderLists,
  select: (q) =>
    q
      .leftJoin('domains as sd', 'sd.id', 'sender_lists.domain_id')
      .leftJoin('mailboxes as sm', 'sm.id', 'sender_lists.mailbox_id')
      .select('sender_lists.*', 'sd.name as domain_name', 'sm.address as mailbox_address'),
  orderBy: 'sender_lists.pattern',
  fields: [
    { name: 'owner', type: 'select', label: 'field.owner', help: 'help.owner', required: true, createOnly: true, options: ownerOptions, ref: 'owner' },
    ...senderListEntry.fields('allow'),
  ],
  list: {
    columns: [{ name: 'owner_label', label: 'field.owner' }, ...senderListEntry.columns],
    search: senderListEntry.search,
  },
  async decorate(ctx, rows) {
    return rows.map((r) => ({
      ...r,
      owner_label: r.scope === 'global' ? ctx.t('sender.global') : r.scope === 'domain' ? displayDomain(String(r.domain_name ?? '')) : displayAddress(String(r.mailbox_address ?? '')),
    }));
  },
  label: (r) => String(r.pattern),
  async onInsert({ db }, v) {
    const [kind, id] = (v.text('owner') ?? '').split(':');
    const e = await addListEntry(db, { ...senderListEntry.input(v), domain: kind === 'd' ? Number(id) : undefined, mailbox: kind === 'm' ? Number(id) : undefined });
    return { id: e.id };
  },
  async onDelete({ db }, row) {
    await deleteListEntry(db, { id: Number(row.id) });
  },
};
