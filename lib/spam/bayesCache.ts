// Each process's Bayes token counts in memory, so scoring a message reads no SQL.
//
// Learning still writes SQL (bayes_tokens, the truth every node shares) and appends its count
// changes to the change log (bayesLog.ts). A cache reads that log about once a second in the
// background and adds the changes to the scopes it holds; the message path only ever reads
// memory, or falls back to the one-query SQL path (classifyTokens) while a scope is not loaded.
//
//  - Start: one consistent snapshot lists the scopes that hold data and loads 'global'. A scope
//    that held nothing then is built from the log alone (exact: every change since is in it);
//    one that held data is loaded from bayes_tokens, in the background, when a message needs it.
//  - Exactly once: a snapshot also notes which logged changes it already contains; ids read out
//    of order (a transaction commits after a later one) are looked for again during graceMs.
//  - Bounded: past maxTokens tokens in all scopes, the rarest (fewest messages) are dropped
//    until 90% remain. A dropped token reads as unseen. A rare token dropped and then taught
//    again is counted from its new lessons only (an undercount of at most `floor`).
//  - Converging: expiry and dropped scopes log a reset (the scope is reloaded, the old counts
//    serve meanwhile); every scope is reloaded about every reloadMs anyway; a cache that could
//    not read the log for half its retention starts again from nothing.
import { type Db, isMysql, invalid } from '../core';
import { TOTAL_TOKEN, bayesResult, classifyTokens, type BayesParams, type BayesResult } from './bayes';
import { changesAfter, changeDeltas, decodeDelta, startingPoint, CHANGE_RETENTION_MS, type ChangeRow } from './bayesLog';
import { TokenCounts, ScopeTokens } from './tokenCounts';

export interface BayesCacheOptions {
  /** tokens held in memory over all scopes (27-67 bytes each with its slot, by the load: tokenCounts.ts) */
  maxTokens: number;
  /** how often the change log is read */
  refreshMs: number;
  /** how long a change id missing below newer ones is waited for (a transaction still committing) */
  graceMs: number;
  /** each scope is reloaded from bayes_tokens about this often */
  reloadMs: number;
  /** a scope no message used for this long is dropped from memory */
  idleMs: number;
  /** rows per read while loading a scope */
  pageSize: number;
}

export const DEFAULT_BAYES_CACHE: BayesCacheOptions = { maxTokens: 500_000, refreshMs: 1000, graceMs: 10_000, reloadMs: 3_600_000, idleMs: 3_600_000, pageSize: 20_000 };

// spam and ham counts packed in one number: a small integer V8 stores inline when both are small
// (spam < 2^16, ham < 2^15), else a negative double (exact; counts are capped at 2^26 - 1)
const SMALL = 32_768;
const BASE = 67_108_864;
function pack(spam: number, ham: number): number {
  if (spam < 2 * SMALL && ham < SMALL) return spam * SMALL + ham;
  return -(Math.min(spam, BASE - 1) * BASE + Math.min(ham, BASE - 1)) - 1;
}
const spamOf = (v: number) => (v >= 0 ? Math.floor(v / SMALL) : Math.floor((-v - 1) / BASE));
const hamOf = (v: number) => (v >= 0 ? v % SMALL : (-v - 1) % BASE);
const HIST = 65_535;
/** scopes loaded in one snapshot transaction */
const SCOPES_PER_LOAD = 50;
/** time spent loading scopes per refresh, the rest waits for the next one */
const LOAD_BUDGET_MS = 500;
const CHANGES_PER_READ = 5000;

interface Scope {
  counts: ScopeTokens;
  /** tokens counted this many times or fewer may have been dropped (0: none was) */
  floor: number;
  usedAt: number;
  reloadAt: number;
  /** change ids (above the cursor) the load already counted; undefined while there are none (most scopes, most of the time: an empty Set is ~150 bytes, times one scope per domain) */
  included: Set<number> | undefined;
  /** a reset was logged: reload it (these counts serve meanwhile) */
  stale: boolean;
}

export class BayesCache {
  private scopes = new Map<string, Scope>();
  /** the counts of every scope, held and loading */
  private tokens = new TokenCounts();
  /** scopes that held data at the start (loaded on demand); null: not started */
  private stored: Set<string> | null = null;
  /** every change id up to here is read (or given up) */
  private cursor = 0;
  private maxSeen = 0;
  /** ids above the cursor already read */
  private seen = new Set<number>();
  /** the newest id seen at each refresh: ids below it still missing after graceMs are given up */
  private marks: { at: number; maxSeen: number }[] = [];
  private wanted = new Set<string>();
  private lastOk = 0;
  private queue: Promise<void> = Promise.resolve();
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private opts: BayesCacheOptions;
  /** the last refresh's failure (null: it worked) */
  lastError: Error | null = null;

  constructor(private db: Db, opts: Partial<BayesCacheOptions> = {}) {
    this.opts = { ...DEFAULT_BAYES_CACHE, ...opts };
  }

  /** Starts the background refresh (the first classify() does it). */
  start(): void {
    if (this.timer) return;
    // unref: the refresh never keeps a process alive on its own
    this.timer = setInterval(() => this.kick(), this.opts.refreshMs);
    this.timer.unref();
    this.kick();
  }

  /** A refresh soon, unless one is under way or queued. */
  private kick(): void {
    if (this.busy) return;
    this.busy = true;
    void this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Scores token ids from memory, or with one SQL query while a scope is not in memory yet. */
  async classify(ids: string[], scopes: string[], p?: BayesParams): Promise<BayesResult> {
    this.start();
    return this.fromMemory(ids, scopes, p) ?? classifyTokens(this.db, ids, scopes, p);
  }

  /** The verdict from memory, or null when a scope is not held (it is then loaded in the background). */
  fromMemory(ids: string[], keys: string[], p?: BayesParams): BayesResult | null {
    const now = Date.now();
    if (!this.stored || now - this.lastOk > CHANGE_RETENTION_MS / 2) return null;
    const held: Scope[] = [];
    for (const key of keys) {
      let s = this.scopes.get(key);
      // empty at the start and nothing learned since (that would have built it from the log)
      if (!s && !this.stored.has(key)) this.scopes.set(key, (s = this.emptyScope(now)));
      if (!s) {
        this.wanted.add(key);
        this.kick();
        return null;
      }
      s.usedAt = now;
      held.push(s);
    }
    let nspam = 0;
    let nham = 0;
    for (const s of held) {
      const t = s.counts.get(TOTAL_TOKEN);
      if (t !== undefined) {
        nspam += spamOf(t);
        nham += hamOf(t);
      }
    }
    const counts = new Map<string, { spam: number; ham: number }>();
    for (const id of ids) {
      let spam = 0;
      let ham = 0;
      let found = false;
      for (const s of held) {
        const v = s.counts.get(id);
        if (v !== undefined) {
          spam += spamOf(v);
          ham += hamOf(v);
          found = true;
        }
      }
      if (found) counts.set(id, { spam, ham });
    }
    return bayesResult(counts, nspam, nham, p);
  }

  /** Reads the change log now (after any refresh under way); loads the scopes asked for. */
  refresh(): Promise<void> {
    this.queue = this.queue.then(() => this.tick());
    return this.queue;
  }

  /** What is held: scopes and tokens (without the totals rows). */
  size(): { scopes: number; tokens: number } {
    let tokens = 0;
    for (const s of this.scopes.values()) tokens += s.counts.size - (s.counts.has(TOTAL_TOKEN) ? 1 : 0);
    return { scopes: this.scopes.size, tokens };
  }

  private async tick(): Promise<void> {
    this.busy = true;
    const now = Date.now();
    try {
      // changes older than the log keeps may be gone: start again from nothing
      if (this.stored && now - this.lastOk > CHANGE_RETENTION_MS / 2) this.forgetAll();
      if (!this.stored) await this.begin(now);
      const more = await this.readChanges(now);
      await this.loadDue(now);
      this.dropIdle(now);
      this.prune();
      this.lastOk = now;
      this.lastError = null;
      if (more) setImmediate(() => this.kick());
    } catch (err) {
      this.lastError = err as Error; // the database is unreachable: the counts held keep serving
    } finally {
      this.busy = false;
    }
  }

  private forgetAll(): void {
    this.scopes.clear();
    this.tokens.clear();
    this.stored = null;
    this.seen.clear();
    this.marks = [];
  }

  private emptyScope(now: number): Scope {
    return { counts: new ScopeTokens(this.tokens), floor: 0, usedAt: now, reloadAt: now + this.reloadDelay(), included: undefined, stale: false };
  }

  private reloadDelay(): number {
    // spread, so that the processes of a cluster do not all reload at once
    return this.opts.reloadMs * (0.75 + Math.random() * 0.5);
  }

  private async begin(now: number): Promise<void> {
    const cursor = await startingPoint(this.db, 2 * this.opts.graceMs, now);
    this.cursor = cursor;
    this.maxSeen = cursor;
    const { scopes, stored } = await this.snapshot(['global'], true, now);
    this.scopes = scopes;
    this.stored = stored!;
  }

  /** Loads scopes in one consistent read; lists the scopes holding data when asked. */
  private async snapshot(keys: string[], listScopes: boolean, now: number): Promise<{ scopes: Map<string, Scope>; stored?: Set<string> }> {
    const read = async (trx: Db) => {
      // the first read fixes the snapshot: the logged changes it already contains
      const changes = await changesAfter(trx, this.cursor);
      const stored = listScopes ? new Set(((await trx('bayes_tokens').distinct('scope')) as { scope: string }[]).map((r) => r.scope)) : undefined;
      const out = new Map<string, Scope>();
      try {
        await this.loadInto(trx, keys, changes, out, now);
      } catch (err) {
        for (const s of out.values()) s.counts.drop(); // nothing half-loaded stays in the table
        throw err;
      }
      return { scopes: out, stored };
    };
    return isMysql(this.db) ? this.db.transaction(read, { isolationLevel: 'repeatable read' }) : this.db.transaction(read);
  }

  /** Reads these scopes from bayes_tokens into `out` (fresh scopes, in the shared table). */
  private async loadInto(trx: Db, keys: string[], changes: ChangeRow[], out: Map<string, Scope>, now: number): Promise<void> {
    for (const key of keys) {
      const s = this.emptyScope(now);
      for (const c of changes) if (c.scope === key || c.scope === '*') (s.included ??= new Set()).add(c.id);
      out.set(key, s);
      for (let after = ''; ; ) {
        const rows = (await trx('bayes_tokens').where('scope', key).andWhere('token', '>', after).orderBy('token').limit(this.opts.pageSize).select('token', 'spam', 'ham')) as { token: string; spam: number | string; ham: number | string }[];
        for (const r of rows) {
          const spam = Number(r.spam) || 0;
          const ham = Number(r.ham) || 0;
          if (r.token === TOTAL_TOKEN || spam + ham > s.floor) s.counts.set(r.token, pack(spam, ham));
        }
        if (rows.length < this.opts.pageSize) break;
        after = rows[rows.length - 1].token;
        this.prune(out);
      }
    }
  }

  /** Reads the log since the last refresh and adds the changes to the scopes held. True: more to read. */
  private async readChanges(now: number): Promise<boolean> {
    const stored = this.stored!;
    const fresh: ChangeRow[] = [];
    // ids skipped below the newest one (their transaction was still committing): look again
    if (this.seen.size < this.maxSeen - this.cursor) {
      for (const c of await changesAfter(this.db, this.cursor, { upTo: this.maxSeen })) if (!this.seen.has(c.id)) fresh.push(c);
    }
    const next = await changesAfter(this.db, this.maxSeen, { limit: CHANGES_PER_READ });
    fresh.push(...next);
    // the deltas to add: scopes held, and scopes empty at the start (built from the log)
    const wanted = fresh.filter((c) => c.kind === 'delta' && (this.scopes.has(c.scope) ? !this.scopes.get(c.scope)!.included?.has(c.id) : !stored.has(c.scope)));
    const texts = wanted.length ? await changeDeltas(this.db, wanted.map((c) => c.id)) : new Map<number, string>();
    // nothing above failed: from here on every change read is counted once
    for (const c of fresh) {
      this.seen.add(c.id);
      if (c.id > this.maxSeen) this.maxSeen = c.id;
      if (c.kind === 'reset') {
        for (const [key, s] of this.scopes) if ((c.scope === '*' || c.scope === key) && !s.included?.has(c.id)) s.stale = true;
      }
    }
    for (const c of wanted) {
      let s = this.scopes.get(c.scope);
      if (!s) this.scopes.set(c.scope, (s = this.emptyScope(now)));
      const text = texts.get(c.id);
      if (text === undefined) s.stale = true; // already purged: reload it
      else applyDelta(s, text);
    }
    this.advance(now);
    return next.length === CHANGES_PER_READ;
  }

  /** Moves the cursor over ids read, and over ids missing for longer than graceMs. */
  private advance(now: number): void {
    this.marks.push({ at: now, maxSeen: this.maxSeen });
    const before = this.cursor;
    while (this.marks.length && now - this.marks[0].at >= this.opts.graceMs) this.cursor = Math.max(this.cursor, this.marks.shift()!.maxSeen);
    if (this.cursor > before) for (const id of this.seen) if (id <= this.cursor) this.seen.delete(id);
    while (this.seen.has(this.cursor + 1)) this.seen.delete(++this.cursor);
    if (this.cursor > before) {
      for (const s of this.scopes.values()) {
        if (!s.included) continue;
        for (const id of s.included) if (id <= this.cursor) s.included.delete(id);
        if (!s.included.size) s.included = undefined;
      }
    }
  }

  private async loadDue(now: number): Promise<void> {
    const due = new Set<string>();
    for (const key of this.wanted) if (!this.scopes.has(key)) due.add(key);
    this.wanted.clear();
    for (const [key, s] of this.scopes) if (s.stale || now >= s.reloadAt) due.add(key);
    const keys = [...due];
    const started = Date.now();
    while (keys.length && Date.now() - started < LOAD_BUDGET_MS) {
      const { scopes } = await this.snapshot(keys.splice(0, SCOPES_PER_LOAD), false, now);
      for (const [key, s] of scopes) {
        const old = this.scopes.get(key);
        s.usedAt = old?.usedAt ?? now;
        old?.counts.drop();
        this.scopes.set(key, s);
      }
    }
    // not loaded for lack of time: the next refresh does them
    for (const key of keys) if (!this.scopes.has(key)) this.wanted.add(key);
  }

  private dropIdle(now: number): void {
    for (const [key, s] of this.scopes) {
      if (now - s.usedAt <= this.opts.idleMs) continue;
      this.scopes.delete(key);
      s.counts.drop();
      this.stored!.add(key); // it may hold data now: load it when needed again
    }
  }

  /** Past the budget, drops the rarest tokens of all scopes until 90% of it remain. */
  private prune(loading?: Map<string, Scope>): void {
    const all = [...this.scopes.values(), ...(loading?.values() ?? [])];
    // the table holds every scope held or loading (their sum)
    const total = this.tokens.size;
    if (total <= this.opts.maxTokens) return;
    const hist = new Uint32Array(HIST + 1);
    this.tokens.forEachValue((v, t) => t !== TOTAL_TOKEN && hist[Math.min(spamOf(v) + hamOf(v), HIST)]++);
    const target = Math.floor(this.opts.maxTokens * 0.9);
    let floor = 0;
    for (let keep = total; keep > target && floor < HIST; ) keep -= hist[++floor];
    this.tokens.retain((v, t) => t === TOTAL_TOKEN || spamOf(v) + hamOf(v) > floor);
    for (const s of all) s.floor = Math.max(s.floor, floor);
  }
}


/** Adds a logged change to a scope's counts exactly as learnMany changed bayes_tokens. */
function applyDelta(s: Scope, text: string): void {
  decodeDelta(text, (token, ds, dh) => {
    const v = s.counts.get(token);
    let spam = v === undefined ? 0 : spamOf(v);
    let ham = v === undefined ? 0 : hamOf(v);
    // increments add (a missing row is inserted); decrements stop at zero; a row emptied by
    // a decrement is deleted
    spam = Math.max(spam + ds, 0);
    ham = Math.max(ham + dh, 0);
    if (spam === 0 && ham === 0) {
      if (v !== undefined && (ds < 0 || dh < 0)) s.counts.delete(token);
      return;
    }
    s.counts.set(token, pack(spam, ham));
  });
}

const caches = new WeakMap<Db, BayesCache>();

/**
 * This process's cache for this database, sized by MAILHOST_BAYES_CACHE_TOKENS (default
 * 500000); null when that is 0: every message then reads its counts from SQL.
 */
export function sharedBayesCache(db: Db, env: NodeJS.ProcessEnv = process.env): BayesCache | null {
  const raw = env.MAILHOST_BAYES_CACHE_TOKENS;
  const maxTokens = raw === undefined || raw === '' ? DEFAULT_BAYES_CACHE.maxTokens : Number(raw);
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw invalid('MAILHOST_BAYES_CACHE_TOKENS', `MAILHOST_BAYES_CACHE_TOKENS must be a whole number, 0 or more, got "${raw}"`);
  if (maxTokens === 0) return null;
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new BayesCache(db, { maxTokens })));
  return c;
}
