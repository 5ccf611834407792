// Autoreplies of a mailbox: several named ones (Plesk), each with a condition, a subject,
// a text (and optional HTML), an activation window, limits, an away-forward, and
// attachments from the mailbox's pool. Everything is validated here so the CLI, the admin
// and the plugins share one set of rules.
import { type Db, bumpGeneration, parseAddress, AddressError, invalid, notFound, conflict, isUniqueViolation } from '../core';
import type { Knex } from 'knex';
import { getMailbox, type MailboxRow } from '../directory';
import { parseWhen, toIso, HOUR } from './time';
import { htmlToText } from './text';

export type ReplyCondition = 'always' | 'subject_contains' | 'body_contains';
export const CONDITIONS: ReplyCondition[] = ['always', 'subject_contains', 'body_contains'];

export const LIMITS = {
  nameLength: 100,
  subjectLength: 255,
  conditionTextLength: 255,
  bodyLength: 100_000, // characters, text and HTML each
  maxPerDay: { min: 1, max: 10, default: 1 },
  maxCorrespondents: { min: 1, max: 100_000, default: 1000 },
  attachmentBytes: 5 * 1024 * 1024,
  poolBytes: 20 * 1024 * 1024,
  attachmentsPerReply: 10,
};

export const DEFAULT_NAME = 'default';
/** ISPConfig: "Now" fills the start with now and the end 48 h later. */
export const NOW_END_HOURS = 48;

export interface AttachmentInfo {
  id: number;
  mailbox_id: number;
  filename: string;
  content_type: string;
  size: number;
}

export interface Attachment extends AttachmentInfo {
  content: Buffer;
}

export interface Autoreply {
  id: number;
  mailbox_id: number;
  mailbox: string; // the mailbox address
  name: string;
  enabled: boolean;
  condition: ReplyCondition;
  condition_text: string | null;
  subject: string | null; // null = "Re: <incoming subject>"
  reply_to: string | null;
  body_text: string;
  body_html: string | null;
  starts_at: string | null; // ISO UTC
  ends_at: string | null; // ISO UTC, exclusive
  max_per_day: number;
  max_correspondents: number;
  forward_to: string | null;
  generation: number;
  attachments: AttachmentInfo[];
}

export interface AutoreplyInput {
  name?: string;
  enabled?: boolean;
  condition?: ReplyCondition;
  conditionText?: string | null;
  subject?: string | null; // '' or null = "Re: <incoming subject>"
  replyTo?: string | null;
  bodyText?: string;
  bodyHtml?: string | null;
  /** ISO date, Date, 'now' (also sets the end 48 h later unless an end is given) or null */
  startsAt?: Date | string | null;
  endsAt?: Date | string | null;
  maxPerDay?: number;
  maxCorrespondents?: number;
  forwardTo?: string | null;
  /** replaces the attached files (ids from the mailbox's pool) */
  attachmentIds?: number[];
}

/** Names and file names compare like MariaDB's utf8mb4_unicode_ci (case and accents ignored), on both engines. */
export const sameName = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' }) === 0;
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/; // everything but TAB
const HEADER_BREAK = /[\r\n\u0000]/;

function toAttachmentInfo(r: Record<string, unknown>): AttachmentInfo {
  return {
    id: Number(r.id),
    mailbox_id: Number(r.mailbox_id),
    filename: String(r.filename),
    content_type: String(r.content_type),
    size: Number(r.size),
  };
}

function toAutoreply(r: Record<string, unknown>, attachments: AttachmentInfo[] = []): Autoreply {
  return {
    id: Number(r.id),
    mailbox_id: Number(r.mailbox_id),
    mailbox: String(r.mailbox_address ?? ''),
    name: String(r.name),
    enabled: !!r.enabled,
    condition: String(r.reply_condition) as ReplyCondition,
    condition_text: (r.condition_text as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    reply_to: (r.reply_to as string | null) ?? null,
    body_text: String(r.body_text ?? ''),
    body_html: (r.body_html as string | null) || null,
    starts_at: (r.starts_at as string | null) ?? null,
    ends_at: (r.ends_at as string | null) ?? null,
    max_per_day: Number(r.max_per_day),
    max_correspondents: Number(r.max_correspondents),
    forward_to: (r.forward_to as string | null) ?? null,
    generation: Number(r.generation),
    attachments,
  };
}

function optionalAddress(value: string | null | undefined, field: string): string | null {
  if (value == null || String(value).trim() === '') return null;
  try {
    return parseAddress(String(value)).address;
  } catch (err) {
    if (err instanceof AddressError) throw invalid(field, `invalid address "${value}": ${err.message}`);
    throw err;
  }
}

function boundedInt(value: unknown, field: string, range: { min: number; max: number }): number {
  const n = Number(value);
  if (value === '' || value == null || !Number.isInteger(n) || n < range.min || n > range.max) {
    throw invalid(field, `${field.replace(/_/g, ' ')} must be a whole number from ${range.min} to ${range.max}`);
  }
  return n;
}

export function validName(input: string | undefined): string {
  const name = String(input ?? DEFAULT_NAME).trim();
  if (!name) throw invalid('name', 'the autoreply needs a name');
  if (name.length > LIMITS.nameLength) throw invalid('name', `the name is longer than ${LIMITS.nameLength} characters`);
  if (CONTROL.test(name)) throw invalid('name', 'the name contains control characters');
  return name;
}

/** A subject with a line break could inject headers: refused when saving (and neutralised again when sending). */
export function validSubject(input: string | null | undefined): string | null {
  if (input == null) return null;
  const subject = String(input);
  if (HEADER_BREAK.test(subject)) throw invalid('subject', 'the subject must be on one line');
  if (CONTROL.test(subject)) throw invalid('subject', 'the subject contains control characters');
  const trimmed = subject.trim();
  if (trimmed.length > LIMITS.subjectLength) throw invalid('subject', `the subject is longer than ${LIMITS.subjectLength} characters`);
  return trimmed || null;
}

function validBody(value: string, field: string): string {
  const s = String(value).replace(/\r\n?/g, '\n');
  if (s.length > LIMITS.bodyLength) throw invalid(field, `the text is longer than ${LIMITS.bodyLength} characters`);
  if (/\u0000/.test(s)) throw invalid(field, 'the text contains a NUL character');
  return s;
}

/** The column values for an insert or a patch, validated against the current row (if any). */
function columns(input: AutoreplyInput, current: Autoreply | null, mailbox: MailboxRow, now: Date): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (input.name !== undefined || !current) set.name = validName(input.name);
  if (input.enabled !== undefined) set.enabled = !!input.enabled;

  const condition = input.condition ?? current?.condition ?? 'always';
  if (!CONDITIONS.includes(condition)) throw invalid('condition', `condition must be one of ${CONDITIONS.join(', ')}`);
  let conditionText = input.conditionText !== undefined ? input.conditionText : (current?.condition_text ?? null);
  if (condition === 'always') conditionText = null;
  else {
    conditionText = String(conditionText ?? '').trim();
    if (!conditionText) throw invalid('condition_text', 'give the text to look for');
    if (HEADER_BREAK.test(conditionText) || CONTROL.test(conditionText)) throw invalid('condition_text', 'the text to look for must be on one line');
    if (conditionText.length > LIMITS.conditionTextLength) throw invalid('condition_text', `the text to look for is longer than ${LIMITS.conditionTextLength} characters`);
  }
  if (input.condition !== undefined || input.conditionText !== undefined || !current) {
    set.reply_condition = condition;
    set.condition_text = conditionText;
  }

  if (input.subject !== undefined) set.subject = validSubject(input.subject);
  if (input.replyTo !== undefined) set.reply_to = optionalAddress(input.replyTo, 'reply_to');
  if (input.forwardTo !== undefined) {
    const fwd = optionalAddress(input.forwardTo, 'forward_to');
    if (fwd && fwd === mailbox.address) throw invalid('forward_to', 'an autoreply cannot forward to its own mailbox');
    set.forward_to = fwd;
  }

  if (input.bodyText !== undefined) set.body_text = validBody(input.bodyText, 'body_text');
  if (input.bodyHtml !== undefined) set.body_html = input.bodyHtml == null || !String(input.bodyHtml).trim() ? null : validBody(input.bodyHtml, 'body_html');
  const text = (set.body_text as string | undefined) ?? current?.body_text ?? '';
  const html = set.body_html !== undefined ? (set.body_html as string | null) : (current?.body_html ?? null);
  if (!text.trim() && !html) throw invalid('body_text', 'the reply text is empty');
  if (!text.trim() && html) set.body_text = htmlToText(html); // the text part of the alternative
  if (!current && set.body_text === undefined) set.body_text = text;

  let startsAt = current?.starts_at ?? null;
  let endsAt = current?.ends_at ?? null;
  const blank = (v: unknown) => v === null || v === '';
  if (input.startsAt !== undefined) {
    startsAt = input.startsAt === 'now' ? toIso(now) : blank(input.startsAt) ? null : parseWhen(input.startsAt!, 'starts_at');
    set.starts_at = startsAt;
    // ISPConfig's "Now": the end 48 h later unless an end (or explicitly none: null) is given
    if (input.startsAt === 'now' && input.endsAt === undefined) set.ends_at = endsAt = toIso(new Date(now.getTime() + NOW_END_HOURS * HOUR));
  }
  if (input.endsAt !== undefined) set.ends_at = endsAt = blank(input.endsAt) ? null : parseWhen(input.endsAt!, 'ends_at');
  if (startsAt && endsAt && endsAt <= startsAt) throw invalid('ends_at', 'the end must come after the start');

  if (input.maxPerDay !== undefined) set.max_per_day = boundedInt(input.maxPerDay, 'max_per_day', LIMITS.maxPerDay);
  if (input.maxCorrespondents !== undefined) set.max_correspondents = boundedInt(input.maxCorrespondents, 'max_correspondents', LIMITS.maxCorrespondents);
  return set;
}

function baseQuery(db: Db | Knex.Transaction) {
  return db('autoreplies as a').join('mailboxes as m', 'm.id', 'a.mailbox_id').select('a.*', 'm.address as mailbox_address');
}

async function attachmentsOf(db: Db | Knex.Transaction, autoreplyIds: number[]): Promise<Map<number, AttachmentInfo[]>> {
  const out = new Map<number, AttachmentInfo[]>();
  if (!autoreplyIds.length) return out;
  const rows = await db('autoreply_attachment_links as l')
    .join('autoreply_attachments as f', 'f.id', 'l.attachment_id')
    .whereIn('l.autoreply_id', autoreplyIds)
    .select('l.autoreply_id', 'f.id', 'f.mailbox_id', 'f.filename', 'f.content_type', 'f.size');
  rows.sort((a, b) => byName(String(a.filename), String(b.filename)));
  for (const r of rows) {
    const id = Number(r.autoreply_id);
    if (!out.has(id)) out.set(id, []);
    out.get(id)!.push(toAttachmentInfo(r));
  }
  return out;
}

async function withAttachments(db: Db | Knex.Transaction, rows: Record<string, unknown>[]): Promise<Autoreply[]> {
  const files = await attachmentsOf(db, rows.map((r) => Number(r.id)));
  return rows.map((r) => toAutoreply(r, files.get(Number(r.id)) ?? []));
}

export async function getAutoreply(db: Db, id: number): Promise<Autoreply> {
  const row = await baseQuery(db).where('a.id', id).first();
  if (!row) throw notFound(`autoreply ${id} does not exist`);
  return (await withAttachments(db, [row]))[0];
}

export async function listAutoreplies(db: Db, opts: { mailbox?: string | number; mailboxIds?: number[] } = {}): Promise<Autoreply[]> {
  const q = baseQuery(db).orderBy('m.address').orderBy('a.name');
  if (opts.mailbox !== undefined) q.where('a.mailbox_id', (await getMailbox(db, opts.mailbox)).id);
  if (opts.mailboxIds) q.whereIn('a.mailbox_id', opts.mailboxIds.length ? opts.mailboxIds : [-1]);
  const rows = await withAttachments(db, await q);
  return rows.sort((a, b) => byName(a.mailbox, b.mailbox) || byName(a.name, b.name));
}

/**
 * The autoreply of a mailbox by name; without a name, the mailbox's only autoreply, or the
 * one called "default" when there are several.
 */
export async function findAutoreply(db: Db, mailbox: string | number, name?: string): Promise<Autoreply> {
  const mb = await getMailbox(db, mailbox);
  const all = await listAutoreplies(db, { mailboxIds: [mb.id] });
  if (name !== undefined) {
    const wanted = validName(name);
    const found = all.find((a) => a.name === wanted) ?? all.find((a) => sameName(a.name, wanted));
    if (!found) throw notFound(`${mb.address} has no autoreply named "${wanted}"`);
    return found;
  }
  if (all.length === 1) return all[0];
  const def = all.find((a) => a.name === DEFAULT_NAME);
  if (def) return def;
  if (!all.length) throw notFound(`${mb.address} has no autoreply`);
  throw invalid('name', `${mb.address} has several autoreplies (${all.map((a) => a.name).join(', ')}): give the name`);
}

async function assertNameFree(db: Db, mb: MailboxRow, name: string, except?: number): Promise<void> {
  const rows = await db('autoreplies').where({ mailbox_id: mb.id }).select('id', 'name');
  if (rows.some((r) => Number(r.id) !== except && sameName(String(r.name), name))) throw conflict('name', `${mb.address} already has an autoreply named "${name}"`);
}

async function checkPoolIds(trx: Knex.Transaction, mailboxId: number, ids: number[]): Promise<number[]> {
  const unique = [...new Set(ids.map(Number))];
  if (unique.length > LIMITS.attachmentsPerReply) throw invalid('attachments', `at most ${LIMITS.attachmentsPerReply} attachments per autoreply`);
  if (!unique.length) return unique;
  const rows = await trx('autoreply_attachments').whereIn('id', unique).andWhere('mailbox_id', mailboxId).select('id');
  if (rows.length !== unique.length) throw invalid('attachments', "an attachment is not in this mailbox's pool");
  return unique;
}

async function replaceLinks(trx: Knex.Transaction, autoreplyId: number, ids: number[]): Promise<void> {
  await trx('autoreply_attachment_links').where({ autoreply_id: autoreplyId }).delete();
  if (ids.length) await trx('autoreply_attachment_links').insert(ids.map((attachment_id) => ({ autoreply_id: autoreplyId, attachment_id })));
}

export async function createAutoreply(db: Db, mailbox: string | number, input: AutoreplyInput, now = new Date()): Promise<Autoreply> {
  const mb = await getMailbox(db, mailbox);
  const set = columns(input, null, mb, now);
  await assertNameFree(db, mb, String(set.name));
  let id: number;
  try {
    id = await db.transaction(async (trx) => {
      const [newId] = await trx('autoreplies').insert({ mailbox_id: mb.id, ...set });
      if (input.attachmentIds) await replaceLinks(trx, Number(newId), await checkPoolIds(trx, mb.id, input.attachmentIds));
      // the directory reads each mailbox's count of enabled autoreplies (cached per process)
      await bumpGeneration(trx);
      return Number(newId);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('name', `${mb.address} already has an autoreply named "${set.name}"`);
    throw err;
  }
  return getAutoreply(db, id);
}

/** A new activation period: on enabling, or when an enabled autoreply gets a new start. */
function startsNewPeriod(current: Autoreply, set: Record<string, unknown>): boolean {
  const enabled = set.enabled !== undefined ? !!set.enabled : current.enabled;
  if (!enabled) return false;
  if (!current.enabled) return true;
  return set.starts_at !== undefined && set.starts_at !== current.starts_at;
}

export async function updateAutoreply(db: Db, id: number, patch: AutoreplyInput, now = new Date()): Promise<Autoreply> {
  const current = await getAutoreply(db, id);
  const mb = await getMailbox(db, current.mailbox_id);
  const set = columns(patch, current, mb, now);
  if (set.name !== undefined && set.name !== current.name) await assertNameFree(db, mb, String(set.name), id);
  const fresh = startsNewPeriod(current, set);
  try {
    await db.transaction(async (trx) => {
      await trx('autoreplies')
        .where({ id })
        .update({ ...set, ...(fresh ? { generation: current.generation + 1 } : {}), updated_at: trx.fn.now() });
      // a new activation period starts with a clean memory
      if (fresh) await trx('autoreply_memory').where({ autoreply_id: id }).delete();
      if (patch.attachmentIds) await replaceLinks(trx, id, await checkPoolIds(trx, mb.id, patch.attachmentIds));
      if (set.enabled !== undefined && !!set.enabled !== current.enabled) await bumpGeneration(trx);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('name', `${mb.address} already has an autoreply named "${set.name}"`);
    throw err;
  }
  return getAutoreply(db, id);
}

/** Creates the named autoreply of a mailbox or updates it (the CLI's `set`). */
export async function saveAutoreply(db: Db, mailbox: string | number, input: AutoreplyInput, now = new Date()): Promise<{ autoreply: Autoreply; created: boolean }> {
  const mb = await getMailbox(db, mailbox);
  const name = validName(input.name);
  const row = (await db('autoreplies').where({ mailbox_id: mb.id }).select('id', 'name')).find((r) => sameName(String(r.name), name));
  if (row) return { autoreply: await updateAutoreply(db, Number(row.id), { ...input, name: String(row.name) }, now), created: false };
  return { autoreply: await createAutoreply(db, mb.id, { ...input, name }, now), created: true };
}

/** Enable (a new activation period, clean memory) or disable (the template stays for later). */
export function setAutoreplyEnabled(db: Db, id: number, enabled: boolean, now = new Date()): Promise<Autoreply> {
  return updateAutoreply(db, id, { enabled }, now);
}

export async function deleteAutoreply(db: Db, id: number): Promise<void> {
  const n = await db('autoreplies').where({ id }).delete();
  if (!n) throw notFound(`autoreply ${id} does not exist`);
  await bumpGeneration(db);
}

// ---- the attachment pool of a mailbox ----

const TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  ics: 'text/calendar',
  vcf: 'text/vcard',
  csv: 'text/csv',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
};

export function guessContentType(filename: string): string {
  const ext = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}

export function validFilename(input: string): string {
  const base = String(input ?? '').split(/[\\/]/).pop()!.normalize('NFC').trim();
  if (!base || base === '.' || base === '..') throw invalid('filename', 'the attachment needs a file name');
  if (CONTROL.test(base) || /[\t"]/.test(base)) throw invalid('filename', 'the file name contains forbidden characters');
  if (base.length > 255) throw invalid('filename', 'the file name is longer than 255 characters');
  return base;
}

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/i;

export async function addAttachment(
  db: Db,
  mailbox: string | number,
  file: { filename: string; content: Buffer; contentType?: string; replace?: boolean },
): Promise<AttachmentInfo> {
  const mb = await getMailbox(db, mailbox);
  const filename = validFilename(file.filename);
  const contentType = (file.contentType ?? guessContentType(filename)).trim().toLowerCase();
  if (!CONTENT_TYPE.test(contentType)) throw invalid('content_type', `invalid content type "${file.contentType}"`);
  const content = Buffer.from(file.content);
  if (content.length > LIMITS.attachmentBytes) throw invalid('content', `the file is larger than ${LIMITS.attachmentBytes / 1024 / 1024} MB`);
  const existing = (await db('autoreply_attachments').where({ mailbox_id: mb.id }).select('id', 'filename', 'size')).find((r) => sameName(String(r.filename), filename));
  if (existing && !file.replace) throw conflict('filename', `the pool already has a file named "${filename}"`);
  const used = Number((await db('autoreply_attachments').where({ mailbox_id: mb.id }).sum({ s: 'size' }).first())?.s ?? 0) - Number(existing?.size ?? 0);
  if (used + content.length > LIMITS.poolBytes) throw invalid('content', `the attachment pool is limited to ${LIMITS.poolBytes / 1024 / 1024} MB`);
  try {
    if (existing) {
      await db('autoreply_attachments').where({ id: existing.id }).update({ filename, content_type: contentType, size: content.length, content });
      return (await listAttachments(db, mb.id)).find((a) => a.id === Number(existing.id))!;
    }
    const [id] = await db('autoreply_attachments').insert({ mailbox_id: mb.id, filename, content_type: contentType, size: content.length, content });
    return (await listAttachments(db, mb.id)).find((a) => a.id === Number(id))!;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('filename', `the pool already has a file named "${filename}"`);
    throw err;
  }
}

export async function listAttachments(db: Db, mailbox: string | number): Promise<AttachmentInfo[]> {
  const mb = typeof mailbox === 'number' ? { id: mailbox } : await getMailbox(db, mailbox);
  const rows = await db('autoreply_attachments').where({ mailbox_id: mb.id }).select('id', 'mailbox_id', 'filename', 'content_type', 'size');
  return rows.map(toAttachmentInfo).sort((a, b) => byName(a.filename, b.filename));
}

export async function deleteAttachment(db: Db, id: number): Promise<void> {
  const n = await db('autoreply_attachments').where({ id }).delete();
  if (!n) throw notFound(`attachment ${id} does not exist`);
}

/** The files attached to an autoreply, with their bytes (for building the reply). */
export async function attachmentContents(db: Db, autoreplyId: number): Promise<Attachment[]> {
  const rows = await db('autoreply_attachment_links as l')
    .join('autoreply_attachments as f', 'f.id', 'l.attachment_id')
    .where('l.autoreply_id', autoreplyId)
    .select('f.*');
  rows.sort((a, b) => byName(String(a.filename), String(b.filename)));
  return rows.map((r) => ({ ...toAttachmentInfo(r), content: Buffer.from(r.content as Buffer) }));
}
