// What this process knows of mailbox usage (mailboxes.used_bytes), for the quota check of
// cached mailboxes (cachedDirectory): a figure read recently plus what this process delivered
// since; a mailbox that looks full is read again every time.
//
// How recent depends on the room left. Reading every figure older than a second made nearly every
// RCPT a database round trip (a mailbox rarely gets two messages within a second), so a mailbox
// under ROOMY_FRACTION of its quota trusts its figure for `roomyTtlMs` (30 s): other nodes would
// have to deliver a fifth of the quota in that time for the check to miss it, and the check at
// RCPT is approximate anyway (the message size is not known yet). Near the limit, `usageTtlMs`.
import { rawRows, placeholders, LruMap, cacheEntries, type Db } from '../core';
import { queueUsage, writeUsage, unwrittenUsage, readBesideWrites, usageWriteMark } from './usageWrites';

/** The usage fields of a mailbox (kept apart from the DirMailbox type so that this file imports no directory module). */
interface Quota {
  id: number;
  quota_mb: number;
  used_bytes: number;
}

export function isOverQuota(mb: Omit<Quota, 'id'>): boolean {
  return mb.quota_mb > 0 && mb.used_bytes >= mb.quota_mb * 1024 * 1024;
}

export interface CacheOptions {
  /** answers kept per kind of question (least recently used dropped first; default: cacheEntries()) */
  maxEntries?: number;
  /** how long a usage figure read from the database is trusted near the quota */
  usageTtlMs?: number;
  /** how long it is trusted while the mailbox is under ROOMY_FRACTION of its quota */
  roomyTtlMs?: number;
}

export const USAGE_TTL_MS = 1000;
export const ROOMY_TTL_MS = 30_000;
export const ROOMY_FRACTION = 0.8;

interface Usage {
  bytes: number;
  readAt: number;
}

/** What this process knows of mailbox usage (shared by its caches for one database handle). */
export class UsageView {
  private known: LruMap<number, Usage>;

  constructor(private db: Db, max: number) {
    this.known = new LruMap(max);
  }

  /** This process stored `bytes` more in the mailbox (until the next read brings the sum of all nodes). */
  added(mailboxId: number, bytes: number): void {
    const u = this.known.get(mailboxId);
    if (u) u.bytes += bytes;
  }

  /**
   * A row read outside readBesideWrites (with the mailbox, at RCPT), `mark` taken before the read:
   * its figure is kept only when no usage write of this process landed meanwhile, with what this
   * process has not written added. Otherwise the view keeps what it had (or reads it again): a
   * row read before the write of bytes counted here would show a full mailbox as empty.
   */
  read(mailboxId: number, rowBytes: number, mark: number | null): void {
    if (mark === null || mark !== usageWriteMark(this.db)) return;
    this.counted(mailboxId, rowBytes + unwrittenUsage(this.db, mailboxId));
  }

  /** The mailbox's whole usage was just read or counted again (from its Maildir): `bytes` is the whole figure. */
  counted(mailboxId: number, bytes: number): void {
    this.known.set(mailboxId, { bytes, readAt: Date.now() });
  }

  /** The mailboxes with their usage brought up to date (those with a quota; the others as they are). */
  async apply<M extends Quota>(mailboxes: M[], ttlMs: number, roomyTtlMs = ttlMs): Promise<M[]> {
    const now = Date.now();
    const stale = mailboxes.filter((m) => {
      if (m.quota_mb <= 0) return false;
      const u = this.known.get(m.id);
      if (!u || isOverQuota({ ...m, used_bytes: u.bytes })) return true;
      const roomy = u.bytes < m.quota_mb * 1024 * 1024 * ROOMY_FRACTION;
      return now - u.readAt >= (roomy ? Math.max(ttlMs, roomyTtlMs) : ttlMs);
    });
    if (stale.length) {
      const ids = [...new Set(stale.map((m) => m.id))];
      // plus what this process counted but has not written yet (usageWrites): never less than it stored
      const read = await readBesideWrites(this.db, async () => {
        const rows = rawRows(await this.db.raw(`SELECT id, used_bytes FROM mailboxes WHERE id IN (${placeholders(ids.length)})`, ids));
        return rows.map((r) => ({ id: Number(r.id), bytes: Number(r.used_bytes ?? 0) + unwrittenUsage(this.db, Number(r.id)) }));
      });
      for (const r of read) this.known.set(r.id, { bytes: r.bytes, readAt: now });
    }
    return mailboxes.map((m) => {
      const u = m.quota_mb > 0 ? this.known.get(m.id) : undefined;
      return u ? { ...m, used_bytes: u.bytes } : m;
    });
  }
}

const usageViews = new WeakMap<Db, UsageView>();

export function usageView(db: Db, opts: CacheOptions): UsageView {
  let v = usageViews.get(db);
  if (!v) usageViews.set(db, (v = new UsageView(db, opts.maxEntries ?? cacheEntries())));
  return v;
}

/** Tells this process's usage view the recounted usage of a mailbox (called by setUsage). */
export function noteRecount(db: Db, mailboxId: number, bytes: number): void {
  usageViews.get(db)?.counted(mailboxId, bytes);
}

/**
 * Counts bytes just stored in a mailbox (the delivery path): this process's quota check sees
 * them now, the database within a second (usageWrites: nothing waits for that write).
 */
export function countUsage(db: Db, mailboxId: number, bytes: number, log?: (line: string) => void): void {
  // usage is not part of the cached directory (no generation bump): this process's view of it
  usageViews.get(db)?.added(mailboxId, bytes);
  queueUsage(db, mailboxId, bytes, log);
}

/** Adds bytes to the mailbox's usage and waits until they are written. */
export function addUsage(db: Db, mailboxId: number, bytes: number): Promise<void> {
  usageViews.get(db)?.added(mailboxId, bytes);
  return writeUsage(db, mailboxId, bytes);
}

