// Digests on a timer in the Haraka master: every tick, the node that holds the "digest" lease
// (lib/core takeLease) sends the warn-list notices (lib/quarantine warn) and the digests that are due. The lease keeps the nodes from doing the same work;
// the unique (mailbox, period) claim of runDigests is what guarantees one report per period.
import { type Db, takeLease } from '../core';
import { runDigests, type DigestRunOptions, type DigestRunResult } from './digest';
import { sendWarnings } from './warn';

export const DIGEST_LEASE = 'digest';
const LEASE_MS = 10 * 60_000;

/** One tick: warn-list notices, then the due digests, when this holder has (or takes) the lease; null when another node has it. */
export async function runScheduledDigests(db: Db, holder: string, opts: DigestRunOptions): Promise<DigestRunResult | null> {
  if (!(await takeLease(db, DIGEST_LEASE, holder, LEASE_MS, opts.now))) return null;
  const warned = await sendWarnings(db, opts);
  const result = await runDigests(db, opts);
  return { ...result, warned: warned.sent, failed: [...result.failed, ...warned.failed.map((f) => ({ mailbox: 'warning', error: f }))] };
}

/** Describes a run for the log. */
export function describeDigestRun(r: DigestRunResult): string[] {
  return [
    ...(r.warned ?? []).map((w) => `warn-list notice sent to ${w}`),
    ...r.sent.map((s) => `digest of ${s.mailbox} (${s.period}, ${s.rows} message(s)) sent to ${s.to}`),
    ...r.failed.map((f) => `digest of ${f.mailbox} not sent: ${f.error}`),
  ];
}

/** Runs ticks on an unref'd timer; returns a stop function. `options` is read at each tick (fresh `now`). */
export function scheduleDigests(
  db: Db,
  holder: string,
  options: () => DigestRunOptions,
  log: { info(msg: string): void; error(msg: string): void },
  timing: { firstDelayMs?: number; intervalMs?: number } = {},
): () => void {
  const tick = () =>
    runScheduledDigests(db, holder, options()).then(
      (r) => r && describeDigestRun(r).forEach((l) => log.info(l)),
      (err: Error) => log.error(`digests failed: ${err.message}`),
    );
  const first = setTimeout(tick, timing.firstDelayMs ?? 30_000);
  const every = setInterval(tick, timing.intervalMs ?? 5 * 60_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
