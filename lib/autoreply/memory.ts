// The memory of whom an autoreply answered, in SQL so every Haraka node shares it.
// One row per (autoreply, correspondent) under a unique key. A reply is claimed atomically:
// the first one inserts the row; later ones run one conditional UPDATE that only matches
// while the 24 h window still has room (count < max_per_day), and the affected-row count
// says who won. Two workers racing for the last slot cannot both get it, on SQLite (one
// writer at a time) or MariaDB (the UPDATE locks the row and re-reads it).
import { type Db, isUniqueViolation, tryParseAddress } from '../core';
import { toIso, DAY } from './time';

export interface MemoryLimits {
  id: number;
  generation: number;
  max_per_day: number;
  max_correspondents: number;
}

export interface MemoryRow {
  correspondent: string;
  generation: number;
  window_start: string;
  count: number;
  last_at: string;
}

function correspondentKey(address: string): string {
  return (tryParseAddress(address)?.address ?? address.trim().toLowerCase()).slice(0, 320);
}

async function limitsOf(db: Db, autoreply: number | MemoryLimits): Promise<MemoryLimits | null> {
  if (typeof autoreply !== 'number') return autoreply;
  const r = await db('autoreplies').where({ id: autoreply }).first('id', 'generation', 'max_per_day', 'max_correspondents');
  return r ? { id: Number(r.id), generation: Number(r.generation), max_per_day: Number(r.max_per_day), max_correspondents: Number(r.max_correspondents) } : null;
}

function isDeadlock(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === 'ER_LOCK_DEADLOCK' || e?.code === 'ER_LOCK_WAIT_TIMEOUT' || e?.code === 'SQLITE_BUSY';
}

/**
 * Reserves one reply of `autoreply` to `correspondent` at `now`, within max_per_day per 24 h
 * and the current activation period. Resolves true when the caller may send the reply.
 * Pass the autoreply's limits (as read with it) or its id to read them fresh.
 */
export async function claimReplySlot(db: Db, autoreply: number | MemoryLimits, correspondent: string, now = new Date()): Promise<boolean> {
  const ar = await limitsOf(db, autoreply);
  if (!ar) return false;
  const who = correspondentKey(correspondent);
  const nowIso = toIso(now);
  for (let attempt = 0; ; attempt++) {
    try {
      return await claimOnce(db, ar, who, nowIso, toIso(new Date(now.getTime() - DAY)));
    } catch (err) {
      if (attempt < 3 && isDeadlock(err)) continue;
      throw err;
    }
  }
}

async function claimOnce(db: Db, ar: MemoryLimits, who: string, nowIso: string, cutoff: string): Promise<boolean> {
  try {
    await db('autoreply_memory').insert({ autoreply_id: ar.id, correspondent: who, generation: ar.generation, window_start: nowIso, count: 1, last_at: nowIso });
    await forgetOldest(db, ar);
    return true;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  // the row exists: count this reply only if its window is over, it belongs to an older
  // activation period, or there is room left - decided and written in one statement
  const inWindow = (then: string, otherwise: string, extra: (string | number)[] = []) =>
    db.raw(`CASE WHEN ?? = ? AND ?? > ? THEN ${then} ELSE ${otherwise} END`, ['generation', ar.generation, 'window_start', cutoff, ...extra]);
  const changed = await db('autoreply_memory')
    .where({ autoreply_id: ar.id, correspondent: who })
    .andWhere((q) => q.whereNot('generation', ar.generation).orWhere('window_start', '<=', cutoff).orWhere('count', '<', ar.max_per_day))
    .update({
      // MariaDB assigns left to right: these two read the original generation and window_start
      count: inWindow('?? + 1', '1', ['count']),
      window_start: inWindow('??', '?', ['window_start', nowIso]),
      generation: ar.generation,
      last_at: nowIso,
    });
  return Number(changed) === 1;
}

/** Keeps at most max_correspondents rows per autoreply: the least recently answered go first. */
export async function forgetOldest(db: Db, ar: Pick<MemoryLimits, 'id' | 'max_correspondents'>): Promise<number> {
  const total = Number((await db('autoreply_memory').where({ autoreply_id: ar.id }).count({ n: '*' }).first())?.n ?? 0);
  const excess = total - ar.max_correspondents;
  if (excess <= 0) return 0;
  const old = await db('autoreply_memory').where({ autoreply_id: ar.id }).orderBy('last_at').orderBy('id').limit(excess).select('id');
  if (!old.length) return 0;
  return db('autoreply_memory')
    .whereIn(
      'id',
      old.map((r) => Number(r.id)),
    )
    .delete();
}

/** What an autoreply remembers (for the admin and tests), most recent first. */
export async function listMemory(db: Db, autoreplyId: number): Promise<MemoryRow[]> {
  const rows = await db('autoreply_memory').where({ autoreply_id: autoreplyId }).orderBy('last_at', 'desc').orderBy('id', 'desc');
  return rows.map((r) => ({ correspondent: String(r.correspondent), generation: Number(r.generation), window_start: String(r.window_start), count: Number(r.count), last_at: String(r.last_at) }));
}

/** Forgets everyone (the admin's "reset" button). */
export async function clearMemory(db: Db, autoreplyId: number): Promise<void> {
  await db('autoreply_memory').where({ autoreply_id: autoreplyId }).delete();
}
