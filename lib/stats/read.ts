// Reading the daily counts: one mailbox, one domain, or everything; one entry per day of the
// period (days without mail are zeros), oldest first. A month rolled up (rollup.ts) is one
// entry where its days would be, `day` being the month (YYYY-MM): the whole month is counted
// when the period reaches into it, so totals over a period never lose a count.
import type { Knex } from 'knex';
import { type Db, invalid } from '../core';
import { COUNTERS, type Counts, emptyCounts, addCounts, statsDay } from './counters';

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

function narrow(q: Knex.QueryBuilder, scope: StatsScope): Knex.QueryBuilder {
  if (scope.mailboxId !== undefined) q.where('mailbox_id', scope.mailboxId);
  if (scope.domainId !== undefined) q.where('domain_id', scope.domainId);
  if (scope.domainIds) q.whereIn('domain_id', scope.domainIds);
  return q;
}

/** Sums of the counters of `table` per period from `first` on, as a map period -> counts. */
async function sumsBy(db: Db, table: string, period: string, first: string, scope: StatsScope): Promise<Map<string, Counts>> {
  const q = narrow(db(table).where(period, '>=', first).groupBy(period).select(period), scope);
  for (const c of COUNTERS) q.sum({ [c]: c });
  const out = new Map<string, Counts>();
  for (const row of await q) {
    const counts = emptyCounts();
    for (const c of COUNTERS) counts[c] = Number(row[c] ?? 0);
    out.set(String(row[period]), counts);
  }
  return out;
}

export async function readDailyStats(db: Db, scope: StatsScope): Promise<DailyStats[]> {
  const days = scope.days ?? 7;
  if (!Number.isInteger(days) || days < 1 || days > 3660) throw invalid('days', 'days must be a whole number from 1 to 3660');
  const now = scope.now ?? Date.now();
  const first = statsDay(now - (days - 1) * DAY_MS);
  const byDay = await sumsBy(db, 'stats_daily', 'day', first, scope);
  const byMonth = await sumsBy(db, 'stats_monthly', 'month', first.slice(0, 7), scope);
  const out: DailyStats[] = [];
  const months = new Map<string, DailyStats>();
  for (let i = days - 1; i >= 0; i--) {
    const day = statsDay(now - i * DAY_MS);
    const month = day.slice(0, 7);
    const rolled = byMonth.get(month);
    if (!rolled) {
      out.push({ day, ...(byDay.get(day) ?? emptyCounts()) });
      continue;
    }
    // a rolled-up month: one entry, plus any daily row written into it since
    let entry = months.get(month);
    if (!entry) {
      months.set(month, (entry = { day: month, ...rolled }));
      out.push(entry);
    }
    const late = byDay.get(day);
    if (late) addCounts(entry, late);
  }
  return out;
}

export interface DomainTotal {
  domainId: number;
  name: string;
  received: number;
  bytes: number;
}

/** The domains that received the most over the last `days` days (admin overview; rolled-up months whole). */
export async function topDomains(db: Db, opts: { days: number; limit?: number; now?: number }): Promise<DomainTotal[]> {
  const first = statsDay((opts.now ?? Date.now()) - (opts.days - 1) * DAY_MS);
  const totals = new Map<number, DomainTotal>();
  for (const [table, period, from] of [['stats_daily', 'day', first], ['stats_monthly', 'month', first.slice(0, 7)]]) {
    const rows = await db(`${table} as s`)
      .join('domains as d', 'd.id', 's.domain_id')
      .where(`s.${period}`, '>=', from)
      .groupBy('s.domain_id', 'd.name')
      .select('s.domain_id', 'd.name')
      .sum({ received: 's.received', bytes: 's.bytes' });
    for (const r of rows as Record<string, unknown>[]) {
      const id = Number(r.domain_id);
      const t = totals.get(id) ?? { domainId: id, name: String(r.name), received: 0, bytes: 0 };
      t.received += Number(r.received ?? 0);
      t.bytes += Number(r.bytes ?? 0);
      totals.set(id, t);
    }
  }
  return [...totals.values()].sort((a, b) => b.received - a.received || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, opts.limit ?? 10);
}
