// The Bayes change log (table bayes_changes): what each learn/forget transaction added to the
// token counts of its scope, so that every process's in-memory counts (bayesCache.ts) catch up
// from a few small reads per second instead of reading bayes_tokens for every message.
// Expiry and dropped scopes write a 'reset' row instead: caches reload those scopes.
// Rows are soft state kept CHANGE_RETENTION_MS; a cache that fell further behind reloads.
import type { Db } from '../core';

/** How long change rows are kept (a cache that did not read them for half of this reloads). */
export const CHANGE_RETENTION_MS = 10 * 60_000;
/** tokens per change row: a bulk-training batch is split into rows of this size */
const TOKENS_PER_ROW = 4000;
const PURGE_EVERY_MS = 60_000;

export type Delta = Map<string, [number, number]>;

export interface ChangeRow {
  id: number;
  scope: string;
  kind: 'delta' | 'reset';
}

/** "<spam> <ham> <token> <token>...\n" per distinct change, split into rows of TOKENS_PER_ROW tokens. */
export function encodeDelta(delta: Delta): string[] {
  const groups = new Map<string, string[]>();
  for (const [token, [ds, dh]] of delta) {
    if (!ds && !dh) continue;
    const key = `${ds} ${dh}`;
    const g = groups.get(key);
    if (g) g.push(token);
    else groups.set(key, [token]);
  }
  const rows: string[] = [];
  let lines: string[] = [];
  let n = 0;
  for (const [key, tokens] of groups) {
    for (let i = 0; i < tokens.length; ) {
      const take = Math.min(TOKENS_PER_ROW - n, tokens.length - i);
      lines.push(`${key} ${tokens.slice(i, i + take).join(' ')}`);
      i += take;
      n += take;
      if (n >= TOKENS_PER_ROW) {
        rows.push(lines.join('\n'));
        lines = [];
        n = 0;
      }
    }
  }
  if (lines.length) rows.push(lines.join('\n'));
  return rows;
}

/** Calls back once per token of an encoded delta. */
export function decodeDelta(text: string, each: (token: string, spam: number, ham: number) => void): void {
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const ds = Number(f[0]);
    const dh = Number(f[1]);
    if (!Number.isInteger(ds) || !Number.isInteger(dh)) continue;
    for (let i = 2; i < f.length; i++) if (f[i]) each(f[i], ds, dh);
  }
}

/** Appends a learn transaction's count changes per scope (call it last in that transaction: the ids are then taken just before commit). */
export async function logDeltas(trx: Db, deltas: Map<string, Delta>): Promise<void> {
  const now = Date.now();
  const rows: { scope: string; kind: string; delta: string; created_ms: number }[] = [];
  for (const [scope, delta] of deltas) for (const text of encodeDelta(delta)) rows.push({ scope, kind: 'delta', delta: text, created_ms: now });
  for (let i = 0; i < rows.length; i += 20) await trx('bayes_changes').insert(rows.slice(i, i + 20));
}

/** Tells every cache to reload a scope ('*': all of them). */
export async function logReset(db: Db, scope: string): Promise<void> {
  await db('bayes_changes').insert({ scope, kind: 'reset', delta: null, created_ms: Date.now() });
}

const lastPurge = new WeakMap<Db, number>();

/** Deletes change rows older than the retention, at most once a minute per process. */
export async function purgeChanges(db: Db, now = Date.now()): Promise<void> {
  if (now - (lastPurge.get(db) ?? 0) < PURGE_EVERY_MS) return;
  lastPurge.set(db, now);
  await db('bayes_changes').where('created_ms', '<', now - CHANGE_RETENTION_MS).del();
}

/** Changes after `after` (ascending; `upTo` bounds the range, `limit` the count). */
export async function changesAfter(db: Db, after: number, opts: { upTo?: number; limit?: number } = {}): Promise<ChangeRow[]> {
  let q = db('bayes_changes').where('id', '>', after);
  if (opts.upTo !== undefined) q = q.andWhere('id', '<=', opts.upTo);
  q = q.orderBy('id');
  if (opts.limit) q = q.limit(opts.limit);
  const rows = (await q.select('id', 'scope', 'kind')) as { id: number | string; scope: string; kind: string }[];
  return rows.map((r) => ({ id: Number(r.id), scope: r.scope, kind: r.kind === 'reset' ? 'reset' : 'delta' }));
}

/** The encoded deltas of these change ids. */
export async function changeDeltas(db: Db, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = (await db('bayes_changes').whereIn('id', ids.slice(i, i + 500)).select('id', 'delta')) as { id: number | string; delta: string | null }[];
    for (const r of rows) out.set(Number(r.id), r.delta ?? '');
  }
  return out;
}

/**
 * Where a new reader starts: just before the changes written in the last `windowMs` (those may
 * still be committing), or after the last change.
 */
export async function startingPoint(db: Db, windowMs: number, now = Date.now()): Promise<number> {
  const recent = await db('bayes_changes').where('created_ms', '>=', now - windowMs).min({ id: 'id' }).first();
  if (recent?.id !== null && recent?.id !== undefined) return Number(recent.id) - 1;
  const last = await db('bayes_changes').max({ id: 'id' }).first();
  return Number(last?.id ?? 0);
}
