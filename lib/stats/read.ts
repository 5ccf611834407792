// Reading the daily counts: one mailbox, one domain, or everything; one entry per day of the
// period (days without mail are zeros), oldest first.
import { type Db, invalid } from '../core';
import { COUNTERS, type Counts, emptyCounts, statsDay } from './counters';

export interface StatsScope {
  mailboxId?: number;
  domainId?: number;
  /** several domains (a client's) */
  domainIds?: number[];
  /** how many days up to today (UTC), default 7 */
  days?: number;
  now?: number;
}

export type DailyStats = { day: string } & Counts;

const DAY_MS = 86400000;

export async function readDailyStats(db: Db, scope: StatsScope): Promise<DailyStats[]> {
  const days = scope.days ?? 7;
  if (!Number.isInteger(days) || days < 1 || days > 3660) throw invalid('days', 'days must be a whole number from 1 to 3660');
  const now = scope.now ?? Date.now();
  const first = statsDay(now - (days - 1) * DAY_MS);
  const q = db('stats_daily').where('day', '>=', first).groupBy('day').select('day');
  for (const c of COUNTERS) q.sum({ [c]: c });
  if (scope.mailboxId !== undefined) q.where('mailbox_id', scope.mailboxId);
  if (scope.domainId !== undefined) q.where('domain_id', scope.domainId);
  if (scope.domainIds) q.whereIn('domain_id', scope.domainIds);
  const byDay = new Map((await q).map((r) => [String(r.day), r]));
  const out: DailyStats[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = statsDay(now - i * DAY_MS);
    const row = byDay.get(day);
    const counts = emptyCounts();
    if (row) for (const c of COUNTERS) counts[c] = Number(row[c] ?? 0);
    out.push({ day, ...counts });
  }
  return out;
}

export interface DomainTotal {
  domainId: number;
  name: string;
  received: number;
  bytes: number;
}

/** The domains that received the most over the last `days` days (admin overview). */
export async function topDomains(db: Db, opts: { days: number; limit?: number; now?: number }): Promise<DomainTotal[]> {
  const first = statsDay((opts.now ?? Date.now()) - (opts.days - 1) * DAY_MS);
  const rows = await db('stats_daily as s')
    .join('domains as d', 'd.id', 's.domain_id')
    .where('s.day', '>=', first)
    .groupBy('s.domain_id', 'd.name')
    .select('s.domain_id', 'd.name')
    .sum({ received: 's.received', bytes: 's.bytes' })
    .orderBy('received', 'desc')
    .orderBy('d.name')
    .limit(opts.limit ?? 10);
  return (rows as Record<string, unknown>[]).map((r) => ({ domainId: Number(r.domain_id), name: String(r.name), received: Number(r.received ?? 0), bytes: Number(r.bytes ?? 0) }));
}
