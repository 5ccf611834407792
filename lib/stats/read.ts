// Reading the daily counts: one mailbox, one domain, or everything; one entry per day of the
// period (days without mail are zeros), oldest first.
import { type Db, invalid } from '../core';
import { COUNTERS, type Counts, emptyCounts, statsDay } from './counters';

export interface StatsScope {
  mailboxId?: number;
  domainId?: number;
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
