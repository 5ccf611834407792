// Daily housekeeping: quarantine retention, Bayes token ageing, stale Maildir tmp/ files and the
// monthly rollup of old statistics. The Haraka master runs it
// shortly after start and then once a day (one per node, whatever the number of workers);
// `mailhost purge` runs it on demand.
import type { Db } from '../core';
import { purgeQuarantine } from '../quarantine';
import { expireTokens, dayDate } from '../spam';
import { removeStaleTmp } from '../delivery';
import { rollupStats, describeRollup, type RollupReport } from '../stats';

export interface PurgeOptions {
  retentionDays?: number; // quarantine; default: the retention setting
  tokenMaxAgeDays?: number; // Bayes; default TOKEN_MAX_AGE_DAYS
  /** the data dir whose Maildirs get their stale tmp/ files removed; none = skipped */
  dataDir?: string;
  /** statistics stay daily this many days, then whole months are rolled up; default MAILHOST_STATS_DAILY_DAYS */
  statsDailyDays?: number;
  now?: number;
}

export interface PurgeReport {
  quarantine: { rows: number; messages: number; cutoffMs: number };
  bayes: { tokens: number; learned: number; cutoffDay: number };
  maildirTmp?: { files: number; bytes: number };
  stats: RollupReport;
}

export async function purgeAll(db: Db, opts: PurgeOptions = {}): Promise<PurgeReport> {
  const quarantine = await purgeQuarantine(db, { retentionDays: opts.retentionDays, now: opts.now });
  const bayes = await expireTokens(db, { maxAgeDays: opts.tokenMaxAgeDays, now: opts.now });
  const maildirTmp = opts.dataDir ? await removeStaleTmp(opts.dataDir, { now: opts.now }) : undefined;
  const stats = await rollupStats(db, { olderThanDays: opts.statsDailyDays, now: opts.now });
  return { quarantine, bayes, ...(maildirTmp ? { maildirTmp } : {}), stats };
}

/** One line per job, for the Haraka log and the CLI. */
export function describePurge(r: PurgeReport): string[] {
  return [
    `purged ${r.quarantine.rows} quarantined row(s) and ${r.quarantine.messages} stored message(s) received before ${new Date(r.quarantine.cutoffMs).toISOString()}`,
    `forgot ${r.bayes.tokens} rare Bayes token(s) not learned since ${dayDate(r.bayes.cutoffDay)}, and ${r.bayes.learned} record(s) of messages learned before then`,
    ...(r.maildirTmp ? [`removed ${r.maildirTmp.files} stale Maildir tmp file(s) (${r.maildirTmp.bytes} bytes) of deliveries cut short`] : []),
    describeRollup(r.stats),
  ];
}

/** Runs purgeAll on a timer; the timers are unref'd (they never keep the process alive). Returns a stop function. */
export function schedulePurge(db: Db, log: { info(msg: string): void; error(msg: string): void }, opts: { firstDelayMs?: number; intervalMs?: number; dataDir?: string } = {}): () => void {
  const run = () =>
    purgeAll(db, { dataDir: opts.dataDir }).then(
      (r) => describePurge(r).forEach((line) => log.info(line)),
      (err: Error) => log.error(`purge failed: ${err.message}`),
    );
  const first = setTimeout(run, opts.firstDelayMs ?? 60_000);
  const every = setInterval(run, opts.intervalMs ?? 86_400_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
