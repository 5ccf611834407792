// The quarantine store: one row per quarantined recipient (who, when, sender, subject, score,
// category, reasons, size) and the raw message gzip-compressed once per message, shared by
// its recipients. Listing, preview (parsed with mailparser: headers and text, HTML is only
// ever converted to text), release into the recipient's Maildir (bypassing the filter and
// SMTP, so no autoreply can fire), delete, false-positive flag, and the retention purge.
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { simpleParser, type ParsedMail, type AddressObject } from 'mailparser';
import { type Db, invalid, notFound, headerEnd, headerLine, headerValues, removeHeaderFields } from '../core';
import { getMailbox, addUsage } from '../directory';
import { deliverToMaildir, maildirPath, type FinalTarget, type MailhostNotes } from '../delivery';
import { sanitizeMailHtml } from './sanitize';
import { fateCategory, isSpamHeader, type VerdictSummary, headerFromAddress, ensureListEntry, normalizePattern } from '../policy';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

// ---------------------------------------------------------------------------------------------
// Settings (global, in the settings table)

export interface QuarantineSettings {
  retentionDays: number; // rows older than this are purged
  maxSizeBytes: number; // larger messages go to Junk instead of quarantine
}

export const QUARANTINE_DEFAULTS: QuarantineSettings = { retentionDays: 14, maxSizeBytes: 10 * 1024 * 1024 };
const KEYS = { retentionDays: 'quarantine.retention_days', maxSizeBytes: 'quarantine.max_size_bytes' } as const;

export async function getQuarantineSettings(db: Db): Promise<QuarantineSettings> {
  const rows = await db('settings').whereIn('name', Object.values(KEYS)).select('name', 'value');
  const value = (k: keyof QuarantineSettings) => {
    const v = Number(rows.find((r: { name: string }) => r.name === KEYS[k])?.value);
    return Number.isFinite(v) && v > 0 ? v : QUARANTINE_DEFAULTS[k];
  };
  return { retentionDays: value('retentionDays'), maxSizeBytes: value('maxSizeBytes') };
}

export async function setQuarantineSettings(db: Db, patch: Partial<QuarantineSettings>): Promise<QuarantineSettings> {
  for (const [k, v] of Object.entries(patch) as [keyof QuarantineSettings, number | undefined][]) {
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) throw invalid(k === 'retentionDays' ? 'retention_days' : 'max_size', `${k === 'retentionDays' ? 'retention days' : 'maximum size'} must be a whole number above 0`);
    if (k === 'retentionDays' && v > 3650) throw invalid('retention_days', 'retention is at most 3650 days');
    await db('settings')
      .insert({ name: KEYS[k], value: String(v), updated_at: db.fn.now() })
      .onConflict('name')
      .merge(['value', 'updated_at']);
  }
  return getQuarantineSettings(db);
}

// ---------------------------------------------------------------------------------------------
// Storing

export interface QuarantineInfo {
  mailFrom: string;
  headerFrom: string;
  subject: string;
  score: number;
  reasons: { rule: string; points: number }[];
  receivedMs?: number;
}

export interface QuarantineRecipient {
  mailboxId: number;
  category: string; // spam | virus | newsletter
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

/**
 * Stores the message once and one row per recipient in one transaction: when this resolves,
 * the rows are committed (the queue hook may answer OK); when it throws, nothing is stored.
 */
export async function storeQuarantined(db: Db, raw: Buffer, recipients: QuarantineRecipient[], info: QuarantineInfo): Promise<number[]> {
  if (!recipients.length) return [];
  const compressed = await gzip(raw);
  const receivedMs = info.receivedMs ?? Date.now();
  return db.transaction(async (trx) => {
    const [messageId] = await trx('quarantine_messages').insert({ raw_gz: compressed, size: raw.length, received_ms: receivedMs });
    const ids: number[] = [];
    for (const r of recipients) {
      const [id] = await trx('quarantine').insert({
        message_id: Number(messageId),
        mailbox_id: r.mailboxId,
        received_ms: receivedMs,
        mail_from: clip(info.mailFrom, 320),
        header_from: clip(info.headerFrom, 320),
        subject: clip(info.subject.replace(/[\r\n\0]+/g, ' '), 500),
        score: Number.isFinite(info.score) ? info.score : 0,
        category: clip(r.category, 16),
        reasons: JSON.stringify(info.reasons ?? []),
        size: raw.length,
      });
      ids.push(Number(id));
    }
    return ids;
  });
}

/** Decoded Subject and From address of a message, reading its header block only. */
export async function summarizeHeaders(raw: Buffer): Promise<{ subject: string; from: string }> {
  const head = raw.subarray(0, Math.min(headerEnd(raw), 256 * 1024));
  try {
    const parsed = await simpleParser(Buffer.concat([head, Buffer.from('\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    return { subject: parsed.subject ?? '', from: parsed.from?.value?.[0]?.address ?? headerFromAddress(headerValues(raw, 'From')[0]) ?? '' };
  } catch {
    return { subject: headerValues(raw, 'Subject')[0] ?? '', from: headerFromAddress(headerValues(raw, 'From')[0]) ?? '' };
  }
}

/** The DeliveryContext.storeQuarantine of lib/delivery: quarantines these local targets. */
export function quarantineStore(db: Db) {
  return async (targets: FinalTarget[], message: Buffer, notes: MailhostNotes, mailFrom: string): Promise<void> => {
    const verdict = notes.verdict as VerdictSummary | undefined;
    const { subject, from } = await summarizeHeaders(message);
    const recipients: QuarantineRecipient[] = [];
    for (const t of targets) {
      if (t.target.kind !== 'local') continue;
      const c = fateCategory(notes.fates[t.key]);
      recipients.push({ mailboxId: t.target.mailbox.id, category: c === 'ham' ? 'spam' : c });
    }
    await storeQuarantined(db, message, recipients, { mailFrom, headerFrom: from, subject, score: verdict?.score ?? 0, reasons: verdict?.reasons ?? [] });
  };
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface QuarantineRow {
  id: number;
  message_id: number;
  mailbox_id: number;
  mailbox: string; // address
  domain_id: number;
  received_ms: number;
  mail_from: string;
  header_from: string;
  subject: string;
  score: number;
  category: string;
  reasons: { rule: string; points: number }[];
  size: number;
  released: boolean;
  released_ms: number | null;
  reported: boolean;
}

function parseReasons(v: unknown): { rule: string; points: number }[] {
  try {
    const r = JSON.parse(String(v ?? '[]'));
    return Array.isArray(r) ? r : [];
  } catch {
    return [];
  }
}

function toRow(r: Record<string, unknown>): QuarantineRow {
  return {
    id: Number(r.id),
    message_id: Number(r.message_id),
    mailbox_id: Number(r.mailbox_id),
    mailbox: String(r.mailbox ?? ''),
    domain_id: Number(r.domain_id),
    received_ms: Number(r.received_ms),
    mail_from: String(r.mail_from ?? ''),
    header_from: String(r.header_from ?? ''),
    subject: String(r.subject ?? ''),
    score: Number(r.score),
    category: String(r.category),
    reasons: parseReasons(r.reasons),
    size: Number(r.size),
    released: !!r.released,
    released_ms: r.released_ms == null ? null : Number(r.released_ms),
    reported: !!r.reported,
  };
}

function baseQuery(db: Db) {
  return db('quarantine as q')
    .join('mailboxes as m', 'm.id', 'q.mailbox_id')
    .select('q.id', 'q.message_id', 'q.mailbox_id', 'm.address as mailbox', 'm.domain_id', 'q.received_ms', 'q.mail_from', 'q.header_from', 'q.subject', 'q.score', 'q.category', 'q.reasons', 'q.size', 'q.released', 'q.released_ms', 'q.reported');
}

export interface QuarantineQuery {
  mailbox?: string | number; // one mailbox (address or id)
  domain?: number; // all mailboxes of a domain (id)
  mailboxIds?: number[]; // e.g. the mailboxes a client may see
  category?: string;
  sender?: string; // substring of the envelope sender or header From
  subject?: string; // substring of the subject
  status?: 'held' | 'released' | 'all'; // default all
  limit?: number; // default 15
  offset?: number;
}

/** LIKE pattern for a substring, with % _ and the escape char itself escaped (ESCAPE '!'). */
function likeArg(s: string): string {
  return `%${s.replace(/[!%_]/g, '!$&')}%`;
}

export async function listQuarantine(db: Db, opts: QuarantineQuery = {}): Promise<{ rows: QuarantineRow[]; total: number }> {
  const q = baseQuery(db);
  if (opts.mailbox != null) q.where('q.mailbox_id', (await getMailbox(db, opts.mailbox)).id);
  if (opts.domain != null) q.where('m.domain_id', opts.domain);
  if (opts.mailboxIds) q.whereIn('q.mailbox_id', opts.mailboxIds.length ? opts.mailboxIds : [-1]);
  if (opts.category) {
    if (!['spam', 'virus', 'newsletter'].includes(opts.category)) throw invalid('category', 'category must be spam, virus or newsletter');
    q.where('q.category', opts.category);
  }
  if (opts.sender) {
    const arg = likeArg(opts.sender.trim().toLowerCase());
    q.where((w) => w.whereRaw("LOWER(q.mail_from) LIKE ? ESCAPE '!'", [arg]).orWhereRaw("LOWER(q.header_from) LIKE ? ESCAPE '!'", [arg]));
  }
  if (opts.subject) q.whereRaw("LOWER(q.subject) LIKE ? ESCAPE '!'", [likeArg(opts.subject.trim().toLowerCase())]);
  if (opts.status === 'held') q.where('q.released', false);
  if (opts.status === 'released') q.where('q.released', true);
  const countQ = q.clone().clearSelect().clearOrder().count({ n: '*' });
  const limit = Math.max(1, Math.min(opts.limit ?? 15, 500));
  const [rows, [{ n }]] = await Promise.all([
    q
      .orderBy([
        { column: 'q.received_ms', order: 'desc' },
        { column: 'q.id', order: 'desc' },
      ])
      .limit(limit)
      .offset(Math.max(0, opts.offset ?? 0)),
    countQ as unknown as Promise<{ n: number | string }[]>,
  ]);
  return { rows: rows.map(toRow), total: Number(n) };
}

/** One row; with `mailbox` given, a row of another mailbox is "not found" (never revealed). */
export async function getQuarantined(db: Db, id: number, opts: { mailbox?: string | number } = {}): Promise<QuarantineRow> {
  if (!Number.isInteger(id) || id < 1) throw invalid('id', `invalid quarantine id "${id}"`);
  const r = await baseQuery(db).where('q.id', id).first();
  if (!r) throw notFound(`quarantined message ${id} does not exist`);
  const row = toRow(r);
  if (opts.mailbox != null) {
    const mb = await getMailbox(db, opts.mailbox).catch(() => null);
    if (!mb || mb.id !== row.mailbox_id) throw notFound(`quarantined message ${id} does not exist`);
  }
  return row;
}

/** The raw message as received (decompressed). */
export async function fetchQuarantinedRaw(db: Db, id: number, opts: { mailbox?: string | number } = {}): Promise<Buffer> {
  const row = await getQuarantined(db, id, opts);
  const m = await db('quarantine_messages').where({ id: row.message_id }).first('raw_gz');
  if (!m) throw notFound(`quarantined message ${id} has no stored content`);
  return gunzip(Buffer.from(m.raw_gz as Buffer));
}

export interface QuarantinePreview {
  row: QuarantineRow;
  headers: { name: string; value: string }[]; // as received, unfolded
  subject: string;
  from: string;
  to: string;
  cc: string;
  date: string | null; // ISO
  text: string; // the text part, or the HTML part converted to text; never HTML
  textTruncated: boolean;
  /** the HTML part converted to text ('' when there is none) */
  htmlText: string;
  /** the HTML part sanitised (sanitize.ts: structure and text only, nothing loads) — '' when there is none */
  htmlSafe: string;
  attachments: { filename: string; contentType: string; size: number }[];
}

const PREVIEW_TEXT_MAX = 100_000;

function addresses(a: AddressObject | AddressObject[] | undefined): string {
  if (!a) return '';
  return (Array.isArray(a) ? a : [a]).map((x) => x.text).join(', ');
}

async function parseForPreview(raw: Buffer): Promise<ParsedMail> {
  const base = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024 };
  try {
    return await simpleParser(raw, base);
  } catch {
    // an oversized or broken HTML part: parse again without converting HTML to text
    return simpleParser(raw, { ...base, skipHtmlToText: true, maxHtmlLengthToParse: undefined });
  }
}

/** HTML as plain text, by mailparser's own converter (it converts a message that is only HTML). */
async function htmlAsText(html: string): Promise<string> {
  const wrapped = Buffer.from(`Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${html}`, 'utf8');
  try {
    return (await simpleParser(wrapped, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024 })).text ?? '';
  } catch {
    return '';
  }
}

/** Headers and plain text of a quarantined message for display; nothing is ever executed. */
export async function previewQuarantined(db: Db, id: number, opts: { mailbox?: string | number } = {}): Promise<QuarantinePreview> {
  const row = await getQuarantined(db, id, opts);
  const raw = await fetchQuarantinedRaw(db, id);
  const parsed = await parseForPreview(raw);
  // mailparser converts HTML only when it is the whole message or beside a text part; any
  // other HTML-only message is converted here (scripts and styles dropped, tags removed)
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  const text = parsed.text?.trim() ? parsed.text : html ? await htmlAsText(html) : '';
  return {
    row,
    headers: parsed.headerLines.map((h) => {
      const line = h.line.replace(/\r?\n[ \t]+/g, ' ');
      const colon = line.indexOf(':');
      return { name: colon > 0 ? line.slice(0, colon) : h.key, value: colon > 0 ? line.slice(colon + 1).trim() : '' };
    }),
    subject: parsed.subject ?? '',
    from: addresses(parsed.from),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    text: text.slice(0, PREVIEW_TEXT_MAX),
    textTruncated: text.length > PREVIEW_TEXT_MAX,
    htmlText: html ? (await htmlAsText(html)).slice(0, PREVIEW_TEXT_MAX) : '',
    htmlSafe: html ? sanitizeMailHtml(html.slice(0, 2 * 1024 * 1024)) : '',
    attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, size: a.size })),
  };
}

// ---------------------------------------------------------------------------------------------
// Actions

export interface ReleaseOptions {
  dataDir: string;
  /** also add the sender to the recipient's allow list */
  allowSender?: boolean;
  /** restrict to this mailbox (a user acting on their own quarantine) */
  mailbox?: string | number;
}

export interface ReleaseResult {
  released: boolean; // false when it had been released already (nothing delivered)
  file?: string;
  allowed?: string; // the pattern added to the allow list
}

/** The copy that lands in the Maildir: our spam headers replaced by "released" ones. */
export function releasedCopy(raw: Buffer, row: QuarantineRow): Buffer {
  const clean = removeHeaderFields(raw, isSpamHeader);
  const trace =
    headerLine('Return-Path', `<${row.mail_from}>`) +
    headerLine('Delivered-To', row.mailbox) +
    headerLine('X-Spam-Flag', 'NO') +
    headerLine('X-Spam-Status', `No, released from quarantine (score=${row.score.toFixed(1)})`);
  return Buffer.concat([Buffer.from(trace, 'utf8'), clean]);
}

/**
 * Delivers a quarantined message to that recipient's INBOX, once: the row is claimed
 * (released=1) before writing, and the claim is undone when the write fails.
 */
export async function releaseQuarantined(db: Db, id: number, opts: ReleaseOptions): Promise<ReleaseResult> {
  const row = await getQuarantined(db, id, { mailbox: opts.mailbox });
  const result: ReleaseResult = { released: false };
  const claimed = await db('quarantine').where({ id, released: false }).update({ released: true, released_ms: Date.now() });
  if (claimed) {
    try {
      const raw = await fetchQuarantinedRaw(db, id);
      const { file, size } = await deliverToMaildir(maildirPath(opts.dataDir, row.mailbox), undefined, [releasedCopy(raw, row)]);
      await addUsage(db, row.mailbox_id, size);
      result.released = true;
      result.file = file;
    } catch (err) {
      await db('quarantine').where({ id }).update({ released: false, released_ms: null });
      throw err;
    }
  }
  if (opts.allowSender) {
    const sender = row.mail_from || row.header_from;
    let pattern: string | undefined;
    try {
      pattern = normalizePattern(sender);
    } catch {
      throw invalid('sender', `the sender "${sender}" cannot be added to an allow list`);
    }
    await ensureListEntry(db, { mailbox: row.mailbox_id, kind: 'allow', pattern, comment: `released from quarantine #${id}` });
    result.allowed = pattern;
  }
  return result;
}

/** Deletes one recipient's row; the shared message goes with its last row. */
export async function deleteQuarantined(db: Db, id: number, opts: { mailbox?: string | number } = {}): Promise<void> {
  const row = await getQuarantined(db, id, opts);
  await db.transaction(async (trx) => {
    await trx('quarantine').where({ id: row.id }).delete();
    const left = await trx('quarantine').where({ message_id: row.message_id }).first('id');
    if (!left) await trx('quarantine_messages').where({ id: row.message_id }).delete();
  });
}

export type Learner = (db: Db, raw: Buffer, as: 'ham', opts: { domainId: number }) => Promise<unknown>;

/** Marks a row as a false positive; with a learner (lib/spam learn), teaches the filter it is ham. */
export async function flagFalsePositive(db: Db, id: number, opts: { mailbox?: string | number; learn?: Learner } = {}): Promise<QuarantineRow> {
  const row = await getQuarantined(db, id, { mailbox: opts.mailbox });
  await db('quarantine').where({ id }).update({ reported: true });
  if (opts.learn) await opts.learn(db, await fetchQuarantinedRaw(db, id), 'ham', { domainId: row.domain_id });
  return { ...row, reported: true };
}

/** Removes everything received more than `retentionDays` ago (default: the setting). */
export async function purgeQuarantine(db: Db, opts: { retentionDays?: number; now?: number } = {}): Promise<{ rows: number; messages: number; cutoffMs: number }> {
  const days = opts.retentionDays ?? (await getQuarantineSettings(db)).retentionDays;
  if (!Number.isFinite(days) || days < 0) throw invalid('days', 'retention must be 0 days or more');
  const cutoffMs = (opts.now ?? Date.now()) - days * 86_400_000;
  const rows = await db('quarantine').where('received_ms', '<', cutoffMs).delete();
  const old = await db('quarantine_messages').where('received_ms', '<', cutoffMs).delete();
  // messages left without rows (a crash between deletes): never kept beyond their last row
  const orphans = await db('quarantine_messages')
    .whereNotExists(db('quarantine').select(db.raw('1')).whereRaw('quarantine.message_id = quarantine_messages.id'))
    .delete();
  return { rows, messages: old + orphans, cutoffMs };
}
