// The directory generation: a counter in SQL (table mailhost_generation, one row) that every
// write through lib to what the MTA caches bumps: domains, domain aliases, mailboxes, aliases,
// spam policies, sender lists, autoreplies. Each process polls it a few times a second (one
// primary-key read shared by all its caches) and drops its cached answers when it moves, so a
// change made on any node (admin, CLI) reaches every Haraka process within a second.
// Usage counters (mailboxes.used_bytes) do not bump it: they change with every delivery.
import type { Db } from './db';
import { LruMap } from './lru';
import { invalid } from './errors';

const TABLE = 'mailhost_generation';
/** How often each process reads the counter. */
export const GENERATION_POLL_MS = 250;
/** Cached answers are used only while the counter was read this recently (else the database is asked). */
export const GENERATION_MAX_AGE_MS = 1000;

/**
 * Marks cached answers stale everywhere. Call it after the write has committed (or inside the
 * same transaction, last): a process that sees the new value must also see the new rows.
 */
export async function bumpGeneration(db: Db): Promise<void> {
  await db(TABLE).where({ id: 1 }).increment('value', 1);
}

export async function readGeneration(db: Db): Promise<number> {
  const r = await db(TABLE).where({ id: 1 }).first('value');
  return r ? Number(r.value) : 0;
}

export interface GenerationWatch {
  /** The counter as last read, or null when the last successful read is too old to trust. */
  current(): number | null;
  /** Reads the counter now (the poller does this every GENERATION_POLL_MS). */
  refresh(): Promise<void>;
}

class Watch implements GenerationWatch {
  private value: number | null = null;
  private readAt = 0;
  private polling: Promise<void> | null = null;

  constructor(private db: Db, pollMs: number, private maxAgeMs: number) {
    // unref: the poller never keeps a process alive on its own
    setInterval(() => void this.refresh(), pollMs).unref();
  }

  current(): number | null {
    return this.value !== null && Date.now() - this.readAt <= this.maxAgeMs ? this.value : null;
  }

  refresh(): Promise<void> {
    this.polling ??= readGeneration(this.db)
      .then(
        (v) => {
          this.value = v;
          this.readAt = Date.now();
        },
        () => {
          // database unreachable: current() goes null after maxAgeMs, caches step aside
        },
      )
      .finally(() => {
        this.polling = null;
      });
    return this.polling;
  }
}

const watches = new WeakMap<Db, Watch>();

/** The one watch of this process for this database handle (all caches share its poll). */
export function watchGeneration(db: Db, opts: { pollMs?: number; maxAgeMs?: number } = {}): GenerationWatch {
  let w = watches.get(db);
  if (!w) {
    watches.set(db, (w = new Watch(db, opts.pollMs ?? GENERATION_POLL_MS, opts.maxAgeMs ?? GENERATION_MAX_AGE_MS)));
    void w.refresh();
  }
  return w;
}

/** Answers each process keeps per kind of question (directory, policies) unless MAILHOST_DIRECTORY_CACHE_ENTRIES says otherwise. */
export const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * How many answers each cache of a Haraka process keeps (MAILHOST_DIRECTORY_CACHE_ENTRIES), the
 * least recently used dropped first. About 1 kB of heap each, twice that in resident memory:
 * the bound is what keeps a process small on a directory of a million mailboxes.
 */
export function cacheEntries(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MAILHOST_DIRECTORY_CACHE_ENTRIES;
  if (raw === undefined || raw === '') return DEFAULT_CACHE_ENTRIES;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw invalid('MAILHOST_DIRECTORY_CACHE_ENTRIES', `MAILHOST_DIRECTORY_CACHE_ENTRIES must be a whole number, 1 or more, got "${raw}"`);
  return n;
}

/**
 * Answers cached for one generation, at most `max` of them (least recently used dropped first).
 * Negative answers (null, empty lists) are cached like any other. An answer read while the
 * generation moved is returned but not kept; with no recent reading of the counter nothing is
 * cached or served from the cache.
 */
export class GenerationCache<V> {
  private entries: LruMap<string, V>;
  private generation: number | null = null;

  constructor(private watch: GenerationWatch, max: number) {
    this.entries = new LruMap(max);
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const before = this.sync();
    if (before === null) return load();
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    if (this.sync() === before) this.entries.set(key, value);
    return value;
  }

  /** The generation the entries belong to, after dropping them if it moved (null: do not cache). */
  private sync(): number | null {
    const g = this.watch.current();
    // unread for a while (a stalled loop, a slow database): step aside but keep the entries; the
    // counter only grows, so reading the same value again means nothing changed meanwhile, and
    // every process is not cold at once after a database blip
    if (g === null) return null;
    if (g !== this.generation) {
      this.entries.clear();
      this.generation = g;
    }
    return g;
  }
}
