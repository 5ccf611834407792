// The quarantine digest: per mailbox, on its frequency (its own choice, else its domain's
// default, else daily), a report of what was held since the previous report, with signed
// one-click links per row. Periods are calendar days, ISO weeks (from Monday) and months in
// UTC; a period is reported once it has ended. Exactly once: a row in digest_sent (unique per
// mailbox and period) is claimed before sending and given back if sending fails; after
// downtime the last missed period is reported once and covers everything since the previous
// report. Nothing is sent when nothing is held.
import { type Db, isUniqueViolation, invalid, notFound } from '../core';
import { getMailbox } from '../directory';
import { getQuarantineSettings, listQuarantine, type QuarantineRow } from './store';
import { linkFor, LINK_TTL_DAYS, type LinkAction } from './links';
import { DIGEST_TEXT, digestLanguage, fill, type DigestLanguage } from './digestText';
import type { MailSender } from './mailer';

export const DIGEST_FREQUENCIES = ['daily', 'weekly', 'monthly', 'none'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];
const DAY = 86_400_000;

export function isDigestFrequency(v: unknown): v is DigestFrequency {
  return (DIGEST_FREQUENCIES as readonly unknown[]).includes(v);
}

export interface Period {
  key: string;
  startMs: number;
  endMs: number;
}

/** The last period of this frequency that has ended at `now` (UTC calendar). */
export function lastCompletedPeriod(freq: Exclude<DigestFrequency, 'none'>, now: number): Period {
  const d = new Date(now);
  const today = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (freq === 'daily') return { key: `daily:${new Date(today - DAY).toISOString().slice(0, 10)}`, startMs: today - DAY, endMs: today };
  if (freq === 'weekly') {
    const monday = today - ((d.getUTCDay() + 6) % 7) * DAY;
    return { key: `weekly:${new Date(monday - 7 * DAY).toISOString().slice(0, 10)}`, startMs: monday - 7 * DAY, endMs: monday };
  }
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const prev = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  return { key: `monthly:${new Date(prev).toISOString().slice(0, 7)}`, startMs: prev, endMs: first };
}

export interface DigestMailbox {
  id: number;
  address: string;
  language: string | null;
  frequency: DigestFrequency;
  /** where the report goes: the mailbox, or the other address its owner gave */
  to: string;
}

function mailboxQuery(db: Db) {
  return db('mailboxes as m')
    .join('domains as d', 'd.id', 'm.domain_id')
    .select('m.id', 'm.address', 'm.language', 'm.digest_frequency', 'm.digest_to', 'd.digest_default')
    .where('m.active', true)
    .andWhere('d.active', true);
}

function toDigestMailbox(r: Record<string, unknown>): DigestMailbox {
  const own = r.digest_frequency;
  const dflt = r.digest_default;
  const frequency = isDigestFrequency(own) ? own : isDigestFrequency(dflt) ? dflt : 'daily';
  return { id: Number(r.id), address: String(r.address), language: (r.language as string | null) ?? null, frequency, to: String(r.digest_to || r.address) };
}

export async function digestMailbox(db: Db, addressOrId: string | number): Promise<DigestMailbox> {
  const q = mailboxQuery(db);
  const r = await (typeof addressOrId === 'number' ? q.where('m.id', addressOrId) : q.where('m.address', String(addressOrId).trim().toLowerCase())).first();
  if (!r) throw notFound(`mailbox ${addressOrId} does not exist or is inactive`);
  return toDigestMailbox(r);
}

/** A mailbox's own choice (null: its domain's default) and the other address its report goes to (null: itself). */
export async function setDigestPreferences(db: Db, mailbox: string | number, prefs: { frequency?: DigestFrequency | null; to?: string | null }): Promise<void> {
  const set: Record<string, unknown> = {};
  if (prefs.frequency !== undefined) {
    if (prefs.frequency !== null && !isDigestFrequency(prefs.frequency)) throw invalid('digest', 'the digest frequency is daily, weekly, monthly or none');
    set.digest_frequency = prefs.frequency;
  }
  if (prefs.to !== undefined) {
    const to = prefs.to?.trim() || null;
    if (to && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(to)) throw invalid('digest_to', `"${to}" is not a mail address`);
    set.digest_to = to;
  }
  const { id } = await getMailbox(db, mailbox);
  if (Object.keys(set).length) await db('mailboxes').where({ id }).update(set);
}

/** End of what the previous report of this mailbox covered (0: never reported). */
async function reportedUntil(db: Db, mailboxId: number): Promise<number> {
  return (await reportedUntilMany(db, [mailboxId])).get(mailboxId) ?? 0;
}

/** Start of a report made now: the end of the previous one, else as far back as mail is kept. */
async function unreportedSince(db: Db, mailboxId: number, now: number): Promise<number> {
  const since = await reportedUntil(db, mailboxId);
  return since || now - (await getQuarantineSettings(db)).retentionDays * DAY;
}

export interface DigestLink {
  action: LinkAction;
  url: string;
}

export interface DigestEntry {
  row: QuarantineRow;
  links: DigestLink[];
}

export interface Digest {
  mailbox: DigestMailbox;
  language: DigestLanguage;
  fromMs: number;
  untilMs: number;
  counts: Record<'spam' | 'newsletter' | 'virus', number>;
  /** newsletters first, then the rest; newest first in each */
  entries: DigestEntry[];
  retentionDays: number;
  spaceUrl: string;
}

export interface DigestContext {
  secret: string;
  baseUrl: string;
  now?: number;
  /**
   * Whether the mailbox's owner may change their sender lists (the `senders` permission, decided
   * in lib/accounts, which this capability does not import): without it the report offers no
   * "accept this newsletter" link. Unset: always.
   */
  mayAcceptSenders?: (mailboxId: number) => Promise<boolean>;
}

/** What a report of `mailbox` covering [fromMs, untilMs) holds, with its signed links. */
export async function buildDigest(db: Db, mailbox: DigestMailbox, fromMs: number, untilMs: number, ctx: DigestContext): Promise<Digest> {
  const now = ctx.now ?? Date.now();
  const rows = (await listQuarantine(db, { mailboxIds: [mailbox.id], status: 'held', limit: 500 })).rows.filter((r) => r.received_ms >= fromMs && r.received_ms < untilMs);
  rows.sort((a, b) => Number(b.category === 'newsletter') - Number(a.category === 'newsletter') || b.received_ms - a.received_ms);
  const counts = { spam: 0, newsletter: 0, virus: 0 };
  for (const r of rows) if (r.category in counts) counts[r.category as keyof typeof counts]++;
  const link = (action: LinkAction, row: QuarantineRow): DigestLink => ({ action, url: `${ctx.baseUrl}/q/${linkFor(ctx.secret, action, row.id, mailbox.id, now)}` });
  const acceptOk = ctx.mayAcceptSenders ? await ctx.mayAcceptSenders(mailbox.id) : true;
  const entries = rows.map((row) => {
    // a virus is released by an admin only: no release link for it
    const actions: LinkAction[] = row.category === 'virus' ? ['preview'] : ['release', 'preview', 'report', ...(row.category === 'newsletter' && acceptOk ? (['accept_newsletter'] as const) : [])];
    return { row, links: actions.map((a) => link(a, row)) };
  });
  const { retentionDays } = await getQuarantineSettings(db);
  return { mailbox, language: digestLanguage(mailbox.language), fromMs, untilMs, counts, entries, retentionDays, spaceUrl: `${ctx.baseUrl}/quarantine` };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The report as a mail: subject, text and HTML (every field from the message escaped). */
export function renderDigest(d: Digest): { subject: string; text: string; html: string } {
  const T = DIGEST_TEXT[d.language];
  const locale = d.language === 'fr' ? 'fr-FR' : 'en-GB';
  const when = (ms: number) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(ms)) + ' UTC';
  const vars = { mailbox: d.mailbox.address, count: d.entries.length, from: when(d.fromMs), until: when(d.untilMs), ...d.counts, days: d.retentionDays, url: d.spaceUrl };
  const sections = [
    { title: T.newsletters, entries: d.entries.filter((e) => e.row.category === 'newsletter') },
    { title: T.others, entries: d.entries.filter((e) => e.row.category !== 'newsletter') },
  ].filter((s) => s.entries.length);
  const sender = (r: QuarantineRow) => r.header_from || r.mail_from || '<>';
  const subjectOf = (r: QuarantineRow) => r.subject || T.no_subject;
  const footer = [fill(T.retention, vars), fill(T.links, { days: LINK_TTL_DAYS }), fill(T.space, vars)];
  const text = [
    fill(T.intro, vars),
    fill(T.counts, vars),
    ...sections.flatMap((s) => [
      '',
      `== ${s.title} ==`,
      ...s.entries.flatMap((e) => ['', `${when(e.row.received_ms)} | ${sender(e.row)} | ${subjectOf(e.row)} | ${e.row.score.toFixed(1)}`, ...e.links.map((l) => `  ${T[l.action]}: ${l.url}`)]),
    ]),
    '',
    ...footer,
    '',
  ].join('\n');
  const cell = (s: string) => `<td style="padding:4px 8px;border-bottom:1px solid #ddd">${s}</td>`;
  const table = (s: (typeof sections)[number]) =>
    `<h3>${esc(s.title)}</h3><table style="border-collapse:collapse"><tr>${[T.date, T.sender, T.subjectCol, T.score, ''].map((h) => `<th style="text-align:left;padding:4px 8px">${esc(h)}</th>`).join('')}</tr>` +
    s.entries
      .map((e) => `<tr class="digest-row">${cell(esc(when(e.row.received_ms)))}${cell(esc(sender(e.row)))}${cell(esc(subjectOf(e.row)))}${cell(e.row.score.toFixed(1))}${cell(e.links.map((l) => `<a href="${esc(l.url)}">${esc(T[l.action])}</a>`).join(' · '))}</tr>`)
      .join('') +
    '</table>';
  const html = `<!doctype html><html lang="${d.language}"><head><meta charset="utf-8"><title>${esc(fill(T.subject, vars))}</title></head><body style="font-family:sans-serif">
<p>${esc(fill(T.intro, vars))}</p><p><strong>${esc(fill(T.counts, vars))}</strong></p>
${sections.map(table).join('\n')}
${footer.map((f, i) => (i === 2 ? `<p><a href="${esc(d.spaceUrl)}">${esc(f)}</a></p>` : `<p style="color:#666">${esc(f)}</p>`)).join('\n')}
</body></html>`;
  return { subject: fill(T.subject, vars), text, html };
}

export interface DigestRunOptions extends DigestContext {
  send: MailSender;
  /** only this mailbox */
  mailbox?: string | number;
  /** regardless of the schedule: everything held since the previous report, now */
  force?: boolean;
}

export interface DigestRunResult {
  sent: { mailbox: string; to: string; rows: number; period: string }[];
  /** warn-list notices sent in the same tick (scheduler only) */
  warned?: string[];
  empty: string[];
  failed: { mailbox: string; error: string }[];
}

async function sendOne(db: Db, mb: DigestMailbox, period: Period, fromMs: number, opts: DigestRunOptions, out: DigestRunResult): Promise<void> {
  const now = opts.now ?? Date.now();
  // the claim: whoever inserts this row first reports the period, nobody else ever again
  try {
    await db('digest_sent').insert({ mailbox_id: mb.id, period: period.key, sent_ms: now, until_ms: period.endMs, rows: 0 });
  } catch (err) {
    if (isUniqueViolation(err)) return;
    throw err;
  }
  try {
    const digest = await buildDigest(db, mb, fromMs, period.endMs, opts);
    if (!digest.entries.length) {
      out.empty.push(mb.address);
      return;
    }
    const mail = renderDigest(digest);
    await opts.send({ from: `postmaster@${mb.address.slice(mb.address.lastIndexOf('@') + 1)}`, to: mb.to, ...mail });
    await db('digest_sent').where({ mailbox_id: mb.id, period: period.key }).update({ rows: digest.entries.length });
    out.sent.push({ mailbox: mb.address, to: mb.to, rows: digest.entries.length, period: period.key });
  } catch (err) {
    // not sent: give the period back so the next run tries again
    await db('digest_sent').where({ mailbox_id: mb.id, period: period.key }).delete();
    out.failed.push({ mailbox: mb.address, error: (err as Error).message });
  }
}

const CHUNK = 500;

/** The newest held message of every mailbox that holds any (one query, whatever the number of mailboxes). */
async function newestHeld(db: Db): Promise<Map<number, number>> {
  const rows = await db('quarantine').where('released', false).groupBy('mailbox_id').select('mailbox_id').max({ newest: 'received_ms' });
  return new Map(rows.map((r: Record<string, unknown>) => [Number(r.mailbox_id), Number(r.newest)]));
}

/** End of what the previous report of each of these mailboxes covered (absent: never reported). */
async function reportedUntilMany(db: Db, ids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db('digest_sent').whereIn('mailbox_id', ids.slice(i, i + CHUNK)).groupBy('mailbox_id').select('mailbox_id').max({ until: 'until_ms' });
    for (const r of rows as Record<string, unknown>[]) out.set(Number(r.mailbox_id), Number(r.until ?? 0));
  }
  return out;
}

async function digestMailboxes(db: Db, ids: number[]): Promise<DigestMailbox[]> {
  const out: DigestMailbox[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await mailboxQuery(db).whereIn('m.id', ids.slice(i, i + CHUNK)).orderBy('m.id')).map(toDigestMailbox));
  return out;
}

/** Sends every report that is due now (or, with force, one report per mailbox now). */
export async function runDigests(db: Db, opts: DigestRunOptions): Promise<DigestRunResult> {
  const now = opts.now ?? Date.now();
  const out: DigestRunResult = { sent: [], empty: [], failed: [] };
  if (opts.mailbox != null || opts.force) {
    const mailboxes = opts.mailbox != null ? [await digestMailbox(db, opts.mailbox)] : (await mailboxQuery(db).orderBy('m.id')).map(toDigestMailbox);
    for (const mb of mailboxes) {
      if (opts.force) {
        const since = await unreportedSince(db, mb.id, now);
        await sendOne(db, mb, { key: `forced:${now}`, startMs: since, endMs: now + 1 }, since, opts, out);
      } else await sendDue(db, mb, await reportedUntil(db, mb.id), undefined, now, opts, out);
    }
    return out;
  }
  // A scheduled run looks only at the mailboxes that hold something: the others have nothing to
  // report. Looking at every mailbox took six queries each, every tick (every 5 minutes); with
  // 100k mailboxes that was half a core of Haraka and a third of MariaDB's, for minutes.
  const newest = await newestHeld(db);
  const mailboxes = await digestMailboxes(db, [...newest.keys()].sort((a, b) => a - b));
  const reported = await reportedUntilMany(db, mailboxes.map((m) => m.id));
  for (const mb of mailboxes) await sendDue(db, mb, reported.get(mb.id) ?? 0, newest.get(mb.id), now, opts, out);
  return out;
}

/** The report of `mb` for its last completed period, unless already sent; `newest`: its newest held message, when known. */
async function sendDue(db: Db, mb: DigestMailbox, since: number, newest: number | undefined, now: number, opts: DigestRunOptions, out: DigestRunResult): Promise<void> {
  if (mb.frequency === 'none') return;
  const period = lastCompletedPeriod(mb.frequency, now);
  if (since >= period.endMs) return;
  // the first report of a mailbox covers its period; a later one, everything since the previous
  const from = since || period.startMs;
  if (newest !== undefined && newest < from) {
    out.empty.push(mb.address); // nothing held since: nothing to claim either
    return;
  }
  await sendOne(db, mb, period, from, opts, out);
}

/** The report `mailbox` would get now (everything held since its previous report), nothing sent. */
export async function previewDigest(db: Db, mailbox: string | number, ctx: DigestContext): Promise<Digest> {
  const mb = await digestMailbox(db, mailbox);
  const now = ctx.now ?? Date.now();
  return buildDigest(db, mb, await unreportedSince(db, mb.id, now), now + 1, ctx);
}

/** A domain's quarantine options: its mailboxes' default digest frequency, and release requests instead of releases. */
export async function setDomainQuarantineOptions(db: Db, domainId: number, opts: { digestDefault?: DigestFrequency; releaseRequests?: boolean }): Promise<void> {
  const set: Record<string, unknown> = {};
  if (opts.digestDefault !== undefined) {
    if (!isDigestFrequency(opts.digestDefault)) throw invalid('digest', 'the digest frequency is daily, weekly, monthly or none');
    set.digest_default = opts.digestDefault;
  }
  if (opts.releaseRequests !== undefined) set.release_requests = !!opts.releaseRequests;
  if (Object.keys(set).length) await db('domains').where({ id: domainId }).update(set);
}
