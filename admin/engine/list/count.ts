// How many rows a list has, cheaply at any size. Up to EXACT_UP_TO matching rows are counted
// on every request (a count over a LIMITed subquery: it stops reading there, so a list of a
// million rows costs what one of EXACT_UP_TO costs). A bigger total is counted in full at most
// once per FRESH_MS per query and process, and shared: the request that finds the figure
// older than that gets it as it was and starts the new count (one at a time per query), so
// the total of a huge list may lag a change, its rows never do. The figure is kept for
// FRESH_MS, or for FRESH_FACTOR times what the count took when that is longer, so that full
// counts never take more than about 1/FRESH_FACTOR of the database's time (a million rows
// count in about half a second on a busy 2-core machine: the total shown lags up to ~10 s).
import type { Knex } from 'knex';

export const EXACT_UP_TO = 5000;
const FRESH_MS = 1000;
const FRESH_FACTOR = 20;
const MAX_ENTRIES = 500;

interface Entry {
  n: number;
  /** when the figure stops being fresh */
  until: number;
  running: Promise<number> | null;
}

/** per database handle (tests open many), then per query */
const caches = new WeakMap<Knex, Map<string, Entry>>();

function cacheOf(db: Knex): Map<string, Entry> {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new Map()));
  return c;
}

/** COUNT(*) of the rows of `q` (without its select list and order). */
async function countAll(q: Knex.QueryBuilder): Promise<number> {
  const [{ n }] = await q.clone().clearSelect().clearOrder().count({ n: '*' });
  return Number(n);
}

/** The count, at most `cap` + 1 (one more than `cap` means "more than cap"). */
async function countUpTo(db: Knex, q: Knex.QueryBuilder, cap: number): Promise<number> {
  const sub = q.clone().clearSelect().clearOrder().select(db.raw('1 as one')).limit(cap + 1);
  const [row] = await db.count({ n: '*' }).from(sub.as('capped'));
  return Number((row as { n: number | string }).n);
}

function refresh(cache: Map<string, Entry>, key: string, q: Knex.QueryBuilder, entry: Entry | undefined): Promise<number> {
  const started = Date.now();
  const running = countAll(q).then(
    (n) => {
      if (cache.size >= MAX_ENTRIES && !cache.has(key)) cache.delete(cache.keys().next().value as string);
      const now = Date.now();
      cache.set(key, { n, until: now + Math.max(FRESH_MS, FRESH_FACTOR * (now - started)), running: null });
      return n;
    },
    (err) => {
      if (entry) entry.running = null;
      else cache.delete(key);
      throw err;
    },
  );
  if (entry) entry.running = running;
  else cache.set(key, { n: NaN, until: 0, running });
  return running;
}

/** Total rows of the (scoped, filtered) list query `q`. */
export async function countRows(db: Knex, q: Knex.QueryBuilder): Promise<number> {
  const capped = await countUpTo(db, q, EXACT_UP_TO);
  if (capped <= EXACT_UP_TO) return capped;
  const { sql, bindings } = q.clone().clearSelect().clearOrder().count({ n: '*' }).toSQL();
  const key = `${sql}\n${JSON.stringify(bindings)}`;
  const cache = cacheOf(db);
  const entry = cache.get(key);
  if (!entry || Number.isNaN(entry.n)) return entry?.running ?? refresh(cache, key, q, undefined);
  if (Date.now() > entry.until && !entry.running) refresh(cache, key, q, entry).catch(() => undefined);
  return Math.max(entry.n, capped);
}
