// Counts kept in memory and written every few seconds in one statement: the SMTP hot path never
// waits for (or fails on) a statistics write. A crash loses at most the counts since the last
// flush, never mail. A failed flush keeps its counts for the next one, up to MAX_KEYS distinct
// (day, owner) entries; past that, new entries are dropped (and counted in `dropped`).
import type { Db } from '../core';
import { type Counts, emptyCounts, addCounts, statsDay } from './counters';
import { writeCounts, type PendingCounts, type StatsOwner } from './write';

const MAX_KEYS = 50000;

export interface BatcherOptions {
  /** how often the counts are written (default 5000 ms) */
  intervalMs?: number;
  /** where a failed flush is reported (default console.error) */
  log?: (line: string) => void;
  now?: () => number;
}

export class StatsBatcher {
  private pending = new Map<string, PendingCounts>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** entries dropped because too many were pending (database unreachable for long) */
  dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: BatcherOptions = {},
  ) {}

  /** Adds counts for an owner on today's (UTC) row. Memory only. */
  add(owner: StatsOwner, counts: Partial<Counts>): void {
    const day = statsDay((this.opts.now ?? Date.now)());
    this.merge({ day, owner, counts: addCounts(emptyCounts(), counts) });
    this.start();
  }

  private merge(p: PendingCounts): void {
    const key = `${p.day}|${'address' in p.owner ? `a:${p.owner.address}` : `m:${p.owner.mailboxId}:${p.owner.domainId}`}`;
    const seen = this.pending.get(key);
    if (seen) addCounts(seen.counts, p.counts);
    else if (this.pending.size < MAX_KEYS) this.pending.set(key, p);
    else this.dropped++;
  }

  /** Number of distinct (day, owner) entries waiting for the next flush. */
  get size(): number {
    return this.pending.size;
  }

  /** Writes what is pending (one statement); on failure the counts wait for the next flush. */
  flush(): Promise<void> {
    this.flushing ??= this.writePending().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (!this.pending.size) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await writeCounts(this.db, batch);
    } catch (err) {
      for (const p of batch) this.merge(p);
      (this.opts.log ?? console.error)(`mailhost stats: flush failed, ${batch.length} entries kept for the next try: ${(err as Error).message}`);
    }
  }

  /** The flush timer, started with the first count; it does not keep the process alive. */
  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.opts.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** Stops the timer and writes what is pending (shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing; // one already running may have left newer counts behind
    await this.flush();
  }
}
