// One batcher per process and database, shared by every plugin of the process: the plugins count
// through it, and its timer writes the counts every MAILHOST_STATS_FLUSH_SECONDS (default 5).
// Counting never throws: statistics must never disturb the mail they count.
import type { Db } from '../core';
import type { DeliveryReport, MailhostNotes } from '../delivery';
import { StatsBatcher } from './batcher';
import { countDelivery, countRefusedRcpt, countRefusedData, countAutoreply } from './count';

export interface StatsRecorder {
  delivered(notes: MailhostNotes, report: DeliveryReport, bytes: number): void;
  refusedRcpt(address: string): void;
  refusedData(notes: MailhostNotes | undefined): void;
  autoreply(mailbox: string): void;
  /** writes what is pending now (tests, shutdown) */
  flush(): Promise<void>;
  readonly batcher: StatsBatcher;
}

const recorders = new Map<Db, StatsRecorder>();

export function flushIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.MAILHOST_STATS_FLUSH_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 5000;
}

function safely<A extends unknown[]>(f: (...a: A) => void): (...a: A) => void {
  return (...a) => {
    try {
      f(...a);
    } catch (err) {
      console.error(`mailhost stats: count failed: ${(err as Error).message}`);
    }
  };
}

/** This process's recorder for a database (created on first use). */
export function statsRecorder(db: Db): StatsRecorder {
  let r = recorders.get(db);
  if (r) return r;
  const b = new StatsBatcher(db, { intervalMs: flushIntervalMs() });
  r = {
    batcher: b,
    delivered: safely((notes, report, bytes) => countDelivery(b, notes, report, bytes)),
    refusedRcpt: safely((address) => countRefusedRcpt(b, address)),
    refusedData: safely((notes) => countRefusedData(b, notes)),
    autoreply: safely((mailbox) => countAutoreply(b, mailbox)),
    flush: () => b.flush(),
  };
  recorders.set(db, r);
  return r;
}

/** Stops every recorder's timer and writes what is pending (plugin shutdown). */
export async function stopStats(): Promise<void> {
  await Promise.all([...recorders.values()].map((r) => r.batcher.stop()));
}
