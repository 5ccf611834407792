// Leases in SQL: a scheduled job (digests, purges) runs on one node at a time, whatever the
// number of Haraka nodes sharing the database. A node takes the lease when it is free or
// expired (one conditional UPDATE: the database decides who wins), keeps it by renewing it,
// and a crashed holder's lease simply expires.
import type { Db } from './db';
import { isUniqueViolation } from './errors';

/** Takes (or renews) the lease `name` for `holder` for `ttlMs`; true when this holder has it. */
export async function takeLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
  try {
    await db('job_leases').insert({ name, holder: '', expires_ms: 0 });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err; // it exists already: fine
  }
  const won = await db('job_leases')
    .where({ name })
    .andWhere((w) => w.where('expires_ms', '<', now).orWhere('holder', holder))
    .update({ holder, expires_ms: now + ttlMs });
  return won === 1;
}

/** Gives the lease back (only when this holder has it). */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db('job_leases').where({ name, holder }).update({ expires_ms: 0 });
}
