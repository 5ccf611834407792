// Outbound abuse limits of authenticated senders, counted in SQL so every node shares them:
// messages per clock hour and recipients over the last 24 hours, per mailbox, with defaults
// from the settings and overrides per domain and per mailbox (sending_limits); spam sent in an
// hour suspends the mailbox's sending (sending_suspensions) for the configured time.
import { type Db, type SendingDefaults, type Reply, invalid } from '../core';

export interface SendingLimits { perHour: number; rcptPerDay: number }
export interface Usage { messagesThisHour: number; recipientsToday: number; spamThisHour: number }
export interface Suspension { until: number; reason: string }

const HOUR_MS = 3_600_000;
export const hourOf = (now: number) => Math.floor(now / HOUR_MS);

type Scope = 'domain' | 'mailbox';

/** The limits that hold for a mailbox: its own override, else its domain's, else the defaults. */
export async function sendingLimits(db: Db, mailbox: { id: number; domainId: number }, defaults: SendingDefaults): Promise<SendingLimits> {
  const rows = await db('sending_limits')
    .where((q) => q.where({ scope: 'mailbox', ref_id: mailbox.id }).orWhere({ scope: 'domain', ref_id: mailbox.domainId }))
    .select('scope', 'per_hour', 'rcpt_per_day');
  const pick = (col: 'per_hour' | 'rcpt_per_day', fallback: number) => {
    for (const scope of ['mailbox', 'domain']) {
      const v = rows.find((r) => r.scope === scope)?.[col];
      if (v !== null && v !== undefined) return Number(v);
    }
    return fallback;
  };
  return { perHour: pick('per_hour', defaults.perHour), rcptPerDay: pick('rcpt_per_day', defaults.rcptPerDay) };
}

function limitValue(v: number | null | undefined, field: string): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 0) throw invalid(field, `${field} must be an integer >= 0 (or empty to inherit)`);
  return v;
}

/** A domain's or mailbox's own overrides (null: inherited). */
export async function sendingLimitOverrides(db: Db, scope: Scope, refId: number): Promise<{ perHour: number | null; rcptPerDay: number | null }> {
  const row = await db('sending_limits').where({ scope, ref_id: refId }).first();
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { perHour: n(row?.per_hour), rcptPerDay: n(row?.rcpt_per_day) };
}

/** Sets (or, with null, clears) a domain's or mailbox's overrides. */
export async function setSendingLimits(db: Db, scope: Scope, refId: number, limits: { perHour?: number | null; rcptPerDay?: number | null }): Promise<void> {
  const row = { scope, ref_id: refId, per_hour: limitValue(limits.perHour, 'per_hour'), rcpt_per_day: limitValue(limits.rcptPerDay, 'rcpt_per_day') };
  await db('sending_limits').insert(row).onConflict(['scope', 'ref_id']).merge(['per_hour', 'rcpt_per_day']);
}

export async function sendingUsage(db: Db, mailboxId: number, now = Date.now()): Promise<Usage> {
  const hour = hourOf(now);
  const rows = await db('sending_counters').where({ mailbox_id: mailboxId }).where('hour', '>', hour - 24).select('hour', 'messages', 'recipients', 'spam');
  const current = rows.find((r) => Number(r.hour) === hour);
  return {
    messagesThisHour: Number(current?.messages ?? 0),
    spamThisHour: Number(current?.spam ?? 0),
    recipientsToday: rows.reduce((n, r) => n + Number(r.recipients), 0),
  };
}

/** Counts a message accepted from a mailbox (one upsert on its hour's row); returns the new usage. */
export async function recordSending(db: Db, mailboxId: number, counts: { messages?: number; recipients?: number; spam?: number }, now = Date.now()): Promise<Usage> {
  const inc = { messages: counts.messages ?? 0, recipients: counts.recipients ?? 0, spam: counts.spam ?? 0 };
  await db('sending_counters')
    .insert({ mailbox_id: mailboxId, hour: hourOf(now), ...inc })
    .onConflict(['mailbox_id', 'hour'])
    .merge(Object.fromEntries(Object.entries(inc).map(([col, n]) => [col, db.raw('?? + ?', [`sending_counters.${col}`, n])])));
  // counters older than a day count for nothing any more
  await db('sending_counters').where({ mailbox_id: mailboxId }).where('hour', '<=', hourOf(now) - 24).delete();
  return sendingUsage(db, mailboxId, now);
}

const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** 451 4.7.x when one more message would pass the hourly limit, else null. */
export function messageLimitReply(usage: Usage, limits: SendingLimits): Reply | null {
  if (usage.messagesThisHour < limits.perHour) return null;
  return { code: 451, dsn: '4.7.1', text: `Sending limit reached: ${limits.perHour} messages per hour for this mailbox, try again later` };
}

/** 451 4.7.x when `more` recipients (this transaction's, this one included) would pass the daily limit, else null. */
export function recipientLimitReply(usage: Usage, limits: SendingLimits, more: number): Reply | null {
  if (usage.recipientsToday + more <= limits.rcptPerDay) return null;
  return { code: 451, dsn: '4.7.1', text: `Sending limit reached: ${limits.rcptPerDay} recipients per 24 hours for this mailbox, try again later` };
}

/** The mailbox's current sending suspension, or null. */
export async function sendingSuspension(db: Db, mailboxId: number, now = Date.now()): Promise<Suspension | null> {
  const row = await db('sending_suspensions').where({ mailbox_id: mailboxId }).first();
  if (!row || Number(row.until_ms) <= now) return null;
  return { until: Number(row.until_ms), reason: String(row.reason) };
}

/** 535 at AUTH; a session that logged in before the suspension gets it at MAIL as 550. */
export function suspendedReply(s: Suspension, code = 535): Reply {
  return { code, dsn: '5.7.1', text: `Sending from this mailbox is suspended until ${utc(s.until)} (${s.reason}); contact your provider` };
}

/** Suspends a mailbox's sending (AUTH is refused) for `hours`; replaces any current suspension. */
export async function suspendSending(db: Db, mailboxId: number, hours: number, reason: string, now = Date.now()): Promise<Suspension> {
  const row = { mailbox_id: mailboxId, until_ms: now + Math.round(hours * HOUR_MS), reason: reason.slice(0, 255), created_ms: now };
  await db('sending_suspensions').insert(row).onConflict('mailbox_id').merge(['until_ms', 'reason', 'created_ms']);
  return { until: row.until_ms, reason: row.reason };
}

/** Lifts a suspension and forgets the spam that caused it, so the next message is judged afresh. */
export async function liftSuspension(db: Db, mailboxId: number): Promise<void> {
  await db('sending_suspensions').where({ mailbox_id: mailboxId }).delete();
  await db('sending_counters').where({ mailbox_id: mailboxId }).update({ spam: 0 });
}

/** Mailbox ids among `ids` whose sending is suspended now (for lists). */
export async function suspendedAmong(db: Db, ids: number[], now = Date.now()): Promise<Map<number, Suspension>> {
  const out = new Map<number, Suspension>();
  if (!ids.length) return out;
  const rows = await db('sending_suspensions').whereIn('mailbox_id', ids).where('until_ms', '>', now);
  for (const r of rows) out.set(Number(r.mailbox_id), { until: Number(r.until_ms), reason: String(r.reason) });
  return out;
}
