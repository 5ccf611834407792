// Monthly rollup: daily counters of whole months older than MAILHOST_STATS_DAILY_DAYS (default
// 400, so the 365-day charts stay daily) are summed into stats_monthly (one row per month,
// mailbox and domain) and their daily rows deleted. Each month is one transaction (sum, add to
// the monthly row, delete the daily rows): a crash rolls the month back whole, and a month
// already rolled has no daily rows left, so running it again (or on two nodes) counts nothing
// twice. A daily row written late into a rolled month (a flush retried after days) is added on
// the next run; readers add it to the month meanwhile (read.ts).
import { type Db, isMysql, invalid } from '../core';
import { COUNTERS, statsDay } from './counters';
import { chunks, upsertAdding } from './write';

export const DEFAULT_DAILY_DAYS = 400;
const DAY_MS = 86400000;

/** MAILHOST_STATS_DAILY_DAYS: how many days the counters stay daily (a whole number, at least 1). */
export function statsDailyDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MAILHOST_STATS_DAILY_DAYS;
  if (raw === undefined || raw === '') return DEFAULT_DAILY_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw invalid('MAILHOST_STATS_DAILY_DAYS', `MAILHOST_STATS_DAILY_DAYS must be a whole number of days (at least 1), got "${raw}"`);
  return n;
}

/** "2026-11" -> "2026-12" */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export interface RollupReport {
  /** daily rows of days before this one (YYYY-MM-DD, the first day of a month) were rolled up */
  before: string;
  /** the months rolled up, each with the number of daily rows it replaced */
  months: { month: string; dailyRows: number }[];
}

/** One month: its daily rows summed into stats_monthly and deleted, in one transaction. */
async function rollupMonth(db: Db, month: string): Promise<number> {
  return db.transaction(async (trx) => {
    const days = () => trx('stats_daily').where('day', '>=', `${month}-01`).andWhere('day', '<', `${nextMonth(month)}-01`);
    const sums = days().groupBy('mailbox_id', 'domain_id').select('mailbox_id', 'domain_id');
    for (const c of COUNTERS) sums.sum({ [c]: c });
    // MariaDB: lock the month's rows (and the gaps) so no daily row slips in between sum and delete
    if (isMysql(trx)) sums.forUpdate();
    const rows = (await sums).map((r: Record<string, unknown>) => ({
      month,
      mailbox_id: Number(r.mailbox_id),
      domain_id: Number(r.domain_id),
      ...Object.fromEntries(COUNTERS.map((c) => [c, Number(r[c] ?? 0)])),
    }));
    for (const part of chunks(rows)) await upsertAdding(trx, 'stats_monthly', 'month', part);
    return Number(await days().delete());
  });
}

/** Rolls up every whole month whose days are all older than `olderThanDays` (default: the setting). */
export async function rollupStats(db: Db, opts: { olderThanDays?: number; now?: number } = {}): Promise<RollupReport> {
  const days = opts.olderThanDays ?? statsDailyDays();
  if (!Number.isInteger(days) || days < 1) throw invalid('older_than', 'the age must be a whole number of days (at least 1)');
  // the first day of the month of the first day that stays daily: every day before it is old
  const before = `${statsDay((opts.now ?? Date.now()) - days * DAY_MS).slice(0, 7)}-01`;
  const old = await db('stats_daily').where('day', '<', before).distinct('day').orderBy('day');
  const months = [...new Set(old.map((r: { day: string }) => String(r.day).slice(0, 7)))];
  const report: RollupReport = { before, months: [] };
  for (const month of months) report.months.push({ month, dailyRows: await rollupMonth(db, month) });
  return report;
}

/** One line: what a rollup did (Haraka's log, the CLI). */
export function describeRollup(r: RollupReport): string {
  const rows = r.months.reduce((n, m) => n + m.dailyRows, 0);
  return `rolled up ${r.months.length} month(s) of daily statistics before ${r.before} (${rows} daily row(s))${r.months.length ? `: ${r.months.map((m) => m.month).join(', ')}` : ''}`;
}
