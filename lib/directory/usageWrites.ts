// Usage counters (mailboxes.used_bytes) written behind the deliveries. A delivery counts its bytes
// in memory (this process's quota view sees them at once) and the sums of every mailbox are
// written in one statement within USAGE_FLUSH_MS. Usage is soft state: the Maildir is the truth
// and is recounted before any refusal, so a crash loses at most a second of counts and never mail,
// and no delivery waits for (or fails on) this write. A failed write keeps its sums for the next.
// This file only keeps and writes the sums; usage.ts counts (countUsage, addUsage) and reads them.
import { type Db } from '../core';

/** How long counted bytes may wait before they are written. */
export const USAGE_FLUSH_MS = 1000;
/** Mailboxes pending that start a write at once (a burst to many mailboxes). */
const MAX_PENDING = 2000;

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface UsageBatch {
  db: Db;
  pending: Map<number, number>;
  /** callers of addUsage waiting for their bytes to be written */
  waiters: Waiter[];
  writing: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  log: (line: string) => void;
  /** reads of used_bytes under way (readBesideWrites): a write waits for them */
  readers: number;
  /** a write is due but waits for those reads; reads that come meanwhile wait for it */
  writeDue: boolean;
  /** reads waiting for the write under way or due */
  afterWrite: (() => void)[];
  /** writes finished (done or failed): see usageWriteMark */
  writesDone: number;
  /** whole figures (a recount from the Maildir), written with the next sums: see replaceUsage */
  sets: Map<number, WholeFigure>;
}

interface WholeFigure {
  bytes: number;
  /** called when the write starts (no read of used_bytes under way): the view takes the figure */
  started?: () => void;
  /** false once tried: what was counted since is not in the figure and is kept */
  replacesPending: boolean;
}

const batches = new Map<Db, UsageBatch>();

function batchOf(db: Db): UsageBatch {
  let b = batches.get(db);
  if (!b) batches.set(db, (b = { db, pending: new Map(), waiters: [], writing: undefined, timer: undefined, log: (l) => console.error(l), readers: 0, writeDue: false, afterWrite: [], writesDone: 0, sets: new Map() }));
  return b;
}

/**
 * One statement for every pending mailbox (atomic on its own): a whole figure (a recount) plus
 * what was counted after it, or the sum added. Ascending ids in one statement, so concurrent
 * writes from other processes lock rows in the same order (two statements, figures then sums,
 * could each hold a row the other waits for).
 */
function writeAll(db: Db, sets: Map<number, WholeFigure>, sums: Map<number, number>): Promise<unknown> {
  const ids = [...new Set([...sets.keys(), ...sums.keys()])].sort((a, b) => a - b);
  const cases = ids.map((id) => (sets.has(id) ? 'WHEN ? THEN ?' : 'WHEN ? THEN used_bytes + ?')).join(' ');
  const values = ids.flatMap((id) => [id, (sets.get(id)?.bytes ?? 0) + (sums.get(id) ?? 0)]);
  return Promise.resolve(
    db('mailboxes')
      .whereIn('id', ids)
      .update({ used_bytes: db.raw(`CASE id ${cases} ELSE used_bytes END`, values) }),
  );
}

/** knex sets its pool to undefined once destroyed: nothing can write those sums any more. */
const closed = (db: Db) => !(db as unknown as { client?: { pool?: unknown } }).client?.pool;

function write(b: UsageBatch): void {
  if (b.timer) clearTimeout(b.timer);
  b.timer = undefined;
  if (b.readers) {
    b.writeDue = true; // started by the last of those reads
    return;
  }
  b.writeDue = false;
  if (closed(b.db) && !b.waiters.length) {
    release(b);
    batches.delete(b.db); // a handle closed by its owner (tests, a CLI command): not retried forever
    return;
  }
  // a whole figure replaces what was counted before it (the recount saw those files); only now,
  // with no read under way, so no read adds an unwritten figure that is no longer there to a row
  // that does not have the whole figure yet
  const sets = b.sets;
  b.sets = new Map();
  for (const [id, s] of sets) {
    if (s.replacesPending) b.pending.delete(id);
    s.started?.();
  }
  const sums = b.pending;
  const waiters = b.waiters;
  b.pending = new Map();
  b.waiters = [];
  b.writing = writeAll(b.db, sets, sums).then(
    () => waiters.forEach((w) => w.resolve()),
    (err: Error) => {
      // kept for the next try (a figure set again meanwhile wins)
      for (const [id, bytes] of sums) add(b.pending, id, bytes);
      for (const [id, s] of sets) if (!b.sets.has(id)) b.sets.set(id, { bytes: s.bytes, replacesPending: false });
      if (!waiters.length) b.log(`mailhost usage: write failed, ${sums.size} mailboxes kept for the next try: ${err.message}`);
      waiters.forEach((w) => w.reject(err));
    },
  );
  void b.writing.finally(() => {
    b.writing = undefined;
    b.writesDone++;
    // the reads that waited go first (they start before an immediate, a write after them)
    if (b.afterWrite.length) {
      release(b);
      setImmediate(() => kick(b)).unref();
    } else kick(b);
  });
}

function release(b: UsageBatch): void {
  const readers = b.afterWrite;
  b.afterWrite = [];
  readers.forEach((go) => go());
}

/**
 * Runs `read` (a read of used_bytes that adds unwrittenUsage, both inside it) while no write of
 * this process is under way. Else a write could land between the read and the unwritten figure:
 * the read without those bytes, the figure already without them, and a full mailbox seen empty.
 */
export async function readBesideWrites<T>(db: Db, read: () => Promise<T>): Promise<T> {
  const b = batchOf(db);
  while (b.writing || b.writeDue) await new Promise<void>((go) => b.afterWrite.push(go));
  b.readers++;
  try {
    return await read();
  } finally {
    if (--b.readers === 0 && b.writeDue) write(b);
  }
}

/** Writes now when someone waits or the batch is large, else within USAGE_FLUSH_MS; never two writes at once. */
function kick(b: UsageBatch): void {
  if (b.writing || (!b.pending.size && !b.sets.size)) return;
  if (b.waiters.length || b.pending.size >= MAX_PENDING) return write(b);
  if (!b.timer) {
    b.timer = setTimeout(() => write(b), USAGE_FLUSH_MS);
    b.timer.unref();
  }
}

function add(sums: Map<number, number>, mailboxId: number, bytes: number): void {
  sums.set(mailboxId, (sums.get(mailboxId) ?? 0) + bytes);
}

/** A promise settled by the next write (which kick() starts at once, since someone waits). */
function waitForWrite(b: UsageBatch): Promise<void> {
  const done = new Promise<void>((resolve, reject) => b.waiters.push({ resolve, reject }));
  kick(b);
  return done;
}

/** Bytes to add to the mailbox's usage, written within USAGE_FLUSH_MS. `log` hears of a failed write (kept and retried). */
export function queueUsage(db: Db, mailboxId: number, bytes: number, log?: (line: string) => void): void {
  const b = batchOf(db);
  if (log) b.log = log;
  add(b.pending, mailboxId, bytes);
  kick(b);
}

/** Bytes to add, written now (with whatever else is pending); resolves once they are. */
export function writeUsage(db: Db, mailboxId: number, bytes: number): Promise<void> {
  const b = batchOf(db);
  add(b.pending, mailboxId, bytes);
  return waitForWrite(b);
}

/** Bytes this process counted for the mailbox and has not written: exact inside readBesideWrites (no write under way there). */
export function unwrittenUsage(db: Db, mailboxId: number): number {
  return batches.get(db)?.pending.get(mailboxId) ?? 0;
}

/**
 * A mark of this process's usage writes, for a read of used_bytes made outside readBesideWrites
 * (the directory lookup at RCPT reads it with the mailbox): when the mark taken before the read
 * equals the one after it and is not null, no write landed meanwhile, so the row plus
 * unwrittenUsage is the whole figure. Null: a write is under way or due.
 */
export function usageWriteMark(db: Db): number | null {
  const b = batches.get(db);
  if (!b) return 0;
  return b.writing || b.writeDue ? null : b.writesDone;
}

/** Writes what this process counted for that database, and waits (tests, shutdown). */
export async function flushUsage(db: Db): Promise<void> {
  const b = batches.get(db);
  if (!b) return;
  await b.writing?.catch(() => undefined);
  if (b.pending.size || b.sets.size) await waitForWrite(b);
}

/** Shutdown: every database's pending counts written (failures reported, not thrown). */
export async function stopUsage(): Promise<void> {
  await Promise.all([...batches.values()].map((b) => flushUsage(b.db).catch((err: Error) => b.log(`mailhost usage: not written at shutdown: ${err.message}`))));
}

/**
 * A recount from the Maildir is the whole figure: bytes this process counted but has not written
 * yet are in files that recount saw, so they are dropped instead of being added on top. It is a
 * write like the others (never during a read of used_bytes: readBesideWrites, usageWriteMark):
 * dropped at once, a read under way would add nothing to a row read before the figure, and a full
 * mailbox would look empty. `started` runs when the write starts; resolves once written.
 */
export function replaceUsage(db: Db, mailboxId: number, bytes: number, started?: () => void): Promise<void> {
  const b = batchOf(db);
  b.sets.set(mailboxId, { bytes, started, replacesPending: true });
  return waitForWrite(b);
}
