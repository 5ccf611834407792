// What lives inside one mailbox, each a child resource of `mailboxes` (ResourceDef.parent):
// served under /mailboxes/<id>/<name> and shown as a tab of the mailbox form, for the admin,
// the client owning the domain and the mailbox owner alike. The engine loads the mailbox
// through its scope first (404 outside it) and restricts the rows to that mailbox.
//   autoreplies  several named autoresponders (Plesk): lib/autoreply/store
//   files        the mailbox's attachment pool for autoreplies: lib/autoreply/store
//   senders      the mailbox's own allow/block/newsletter entries: lib/senderLists
import {
  CONDITIONS,
  LIMITS,
  createAutoreply,
  updateAutoreply,
  deleteAutoreply,
  setAutoreplyEnabled,
  listAutoreplies,
  listAttachments,
  addAttachment,
  deleteAttachment,
  type AutoreplyInput,
} from '../../lib/autoreply';
import { addListEntry, deleteListEntry } from '../../lib/policy';
import { byMailbox, scopes } from '../engine/scopes';
import type { Ctx, FormValues, Option, ResourceDef } from '../engine/types';
import { tableExists, i18nOptions as options, senderListEntry } from './common';

const hasAutoreplies = tableExists('autoreplies');
const hasPool = tableExists('autoreply_attachments');
const hasSenderLists = tableExists('sender_lists');

const ALL = ['list', 'create', 'edit', 'delete'] as const;
const EVERYONE = { admin: [...ALL], client: [...ALL], user: [...ALL] };
const MAILBOX = { resource: 'mailboxes', key: 'mailbox_id' };

function parentId(ctx: Ctx): number {
  return Number(ctx.parent!.id);
}

/** The files of the mailbox's pool, to attach to an autoreply (never another mailbox's). */
async function poolOptions(ctx: Ctx): Promise<Option[]> {
  if (!ctx.parent) return [];
  return (await listAttachments(ctx.db, parentId(ctx))).map((a) => ({ value: String(a.id), label: a.filename }));
}

/** An optional text: null when left empty. */
const text = (v: string | undefined): string | null => (v !== undefined && v.trim() !== '' ? v : null);

/** Form values -> lib input. "Now": start now, and end 48 h later unless an end is given. */
function autoreplyInput(v: FormValues): AutoreplyInput {
  const now = !!v.checkbox('start_now');
  const endsAt = v.nullable('ends_at');
  return {
    name: v.text('name'),
    enabled: v.checkbox('enabled'),
    condition: v.oneOf('condition', CONDITIONS),
    conditionText: text(v.text('condition_text')),
    subject: text(v.text('subject')),
    replyTo: text(v.text('reply_to')),
    bodyText: v.text('body_text') ?? '',
    bodyHtml: text(v.text('body_html')),
    startsAt: now ? 'now' : (v.nullable('starts_at') ?? null),
    endsAt: now && !endsAt ? undefined : (endsAt ?? null),
    maxPerDay: v.number('max_per_day'),
    maxCorrespondents: v.number('max_correspondents'),
    forwardTo: text(v.text('forward_to')),
    attachmentIds: v.ids('attachment_ids'),
  };
}

export const autoreplies: ResourceDef = {
  name: 'autoreplies',
  table: 'autoreplies',
  icon: 'reply-all',
  section: 'mail',
  parent: MAILBOX,
  available: hasAutoreplies,
  permissions: EVERYONE,
  scope: byMailbox('autoreplies'),
  orderBy: 'autoreplies.name',
  fields: [
    { name: 'name', type: 'text', label: 'field.autoreply_name', help: 'help.autoreply_name', required: true, maxLength: LIMITS.nameLength, default: 'default' },
    { name: 'enabled', type: 'checkbox', label: 'field.autoreply_enabled', help: 'help.autoreply_enabled', default: true },
    { name: 'condition', type: 'select', label: 'field.condition', help: 'help.condition', required: true, options: options(CONDITIONS, 'condition.'), default: 'always' },
    { name: 'condition_text', type: 'text', label: 'field.condition_text', help: 'help.condition_text', maxLength: LIMITS.conditionTextLength },
    { name: 'subject', type: 'text', label: 'field.subject', help: 'help.autoreply_subject', placeholder: 'placeholder.reply_subject', maxLength: LIMITS.subjectLength },
    { name: 'reply_to', type: 'text', label: 'field.reply_to', help: 'help.reply_to', maxLength: 320 },
    { name: 'body_text', type: 'textarea', label: 'field.body_text', help: 'help.autoreply_body' },
    { name: 'body_html', type: 'textarea', label: 'field.body_html', help: 'help.body_html' },
    { name: 'start_now', type: 'checkbox', label: 'field.start_now', help: 'help.start_now' },
    { name: 'starts_at', type: 'datetime', label: 'field.starts_at', help: 'help.starts_at' },
    { name: 'ends_at', type: 'datetime', label: 'field.ends_at', help: 'help.ends_at' },
    { name: 'max_per_day', type: 'number', label: 'field.max_per_day', help: 'help.max_per_day', required: true, min: LIMITS.maxPerDay.min, max: LIMITS.maxPerDay.max, default: LIMITS.maxPerDay.default },
    { name: 'max_correspondents', type: 'number', label: 'field.max_correspondents', help: 'help.max_correspondents', required: true, min: LIMITS.maxCorrespondents.min, max: LIMITS.maxCorrespondents.max, default: LIMITS.maxCorrespondents.default },
    { name: 'forward_to', type: 'text', label: 'field.forward_to', help: 'help.forward_to', maxLength: 320 },
    { name: 'attachment_ids', type: 'checkboxes', label: 'field.attachments', help: 'help.attachments', options: poolOptions, ref: 'files', available: hasPool, errorFor: ['attachments'] },
  ],
  list: {
    columns: [
      { name: 'name', label: 'field.autoreply_name' },
      { name: 'enabled', label: 'field.active', format: 'bool' },
      { name: 'condition', label: 'field.condition', format: 'i18n', i18nPrefix: 'condition.' },
      { name: 'subject_label', label: 'field.subject' },
      { name: 'starts_at', label: 'field.starts_at', format: 'date' },
      { name: 'ends_at', label: 'field.ends_at', format: 'date' },
    ],
    search: [
      { name: 'name', column: 'autoreplies.name', type: 'text' },
      { name: 'enabled', column: 'autoreplies.enabled', type: 'bool' },
    ],
  },
  /** the lib's view of each row: condition, attachments, and the subject as sent */
  async decorate(ctx, rows) {
    const ids = [...new Set(rows.map((r) => Number(r.mailbox_id)))];
    const full = new Map((await listAutoreplies(ctx.db, { mailboxIds: ids })).map((a) => [a.id, a]));
    return rows.map((r) => {
      const a = full.get(Number(r.id));
      return {
        ...r,
        enabled: a ? a.enabled : !!r.enabled,
        condition: a?.condition ?? r.reply_condition,
        attachment_ids: (a?.attachments ?? []).map((f) => String(f.id)),
        subject_label: a?.subject ?? ctx.t('placeholder.reply_subject'),
      };
    });
  },
  label: (r) => String(r.name),
  actions: [
    { name: 'enable', label: 'action.enable', icon: 'play-fill', when: (r) => !r.enabled, run: async ({ db }, r) => void (await setAutoreplyEnabled(db, Number(r.id), true)) },
    { name: 'disable', label: 'action.disable', icon: 'pause-fill', when: (r) => !!r.enabled, run: async ({ db }, r) => void (await setAutoreplyEnabled(db, Number(r.id), false)) },
  ],
  async onInsert(ctx, v) {
    const a = await createAutoreply(ctx.db, parentId(ctx), autoreplyInput(v));
    return { id: a.id };
  },
  async onUpdate(ctx, row, v) {
    await updateAutoreply(ctx.db, Number(row.id), autoreplyInput(v));
  },
  async onDelete({ db }, row) {
    await deleteAutoreply(db, Number(row.id));
  },
};

export const attachmentFiles: ResourceDef = {
  name: 'files',
  table: 'autoreply_attachments',
  icon: 'paperclip',
  section: 'mail',
  parent: MAILBOX,
  available: hasPool,
  // files are uploaded and removed, not edited
  permissions: { admin: ['list', 'create', 'delete'], client: ['list', 'create', 'delete'], user: ['list', 'create', 'delete'] },
  scope: byMailbox('autoreply_attachments'),
  // never the bytes in a list
  select: (q) => q.select('autoreply_attachments.id', 'autoreply_attachments.mailbox_id', 'autoreply_attachments.filename', 'autoreply_attachments.content_type', 'autoreply_attachments.size', 'autoreply_attachments.created_at'),
  orderBy: 'autoreply_attachments.filename',
  fields: [{ name: 'file', type: 'file', label: 'field.file', help: 'help.file', required: true, errorFor: ['filename', 'content', 'content_type'] }],
  list: {
    columns: [
      { name: 'filename', label: 'field.filename' },
      { name: 'content_type', label: 'field.content_type' },
      { name: 'size', label: 'field.size', format: 'bytes' },
      { name: 'created_at', label: 'col.created', format: 'date' },
    ],
    search: [{ name: 'filename', column: 'autoreply_attachments.filename', type: 'text' }],
  },
  label: (r) => String(r.filename),
  async onInsert(ctx, v) {
    const f = v.file('file')!; // required: the engine refuses the form without it
    const contentType = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i.test(f.contentType) && f.contentType !== 'application/octet-stream' ? f.contentType : undefined;
    const a = await addAttachment(ctx.db, parentId(ctx), { filename: f.filename, content: f.content, contentType });
    return { id: a.id };
  },
  async onDelete({ db }, row) {
    await deleteAttachment(db, Number(row.id));
  },
};

export const mailboxSenders: ResourceDef = {
  name: 'senders',
  table: 'sender_lists',
  icon: 'person-lines-fill',
  section: 'mail',
  parent: MAILBOX,
  available: hasSenderLists,
  // entries are added and removed, never edited (lib has no update)
  permissions: { admin: ['list', 'create', 'delete'], client: ['list', 'create', 'delete'], user: ['list', 'create', 'delete'] },
  scope: scopes.senderLists,
  orderBy: 'sender_lists.pattern',
  fields: senderListEntry.fields('block'),
  list: { columns: senderListEntry.columns, search: senderListEntry.search },
  label: (r) => String(r.pattern),
  async onInsert(ctx, v) {
    const e = await addListEntry(ctx.db, { ...senderListEntry.input(v), mailbox: parentId(ctx) });
    return { id: e.id };
  },
  async onDelete({ db }, row) {
    await deleteListEntry(db, { id: Number(row.id) });
  },
};

export const mailboxChildren: ResourceDef[] = [autoreplies, attachmentFiles, mailboxSenders];
