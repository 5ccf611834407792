// Migrations that survive a crash at any point, and the lock that keeps two runs apart.
//
// SQLite runs all pending migrations in one transaction (DDL is transactional there), so a
// killed run leaves nothing behind. MariaDB commits every DDL statement on its own: a run
// killed half-way leaves some tables, columns and indexes of a migration that is not yet
// recorded in knex_migrations, and knex's lock row (knex_migrations_lock.is_locked) set.
// Hence two rules:
//  - every schema step of a migration checks first whether what it makes is already there
//    (createTableIfMissing, addColumnIfMissing, addIndexIfMissing below), so re-running a
//    migration that was cut short finishes it and produces exactly the same schema;
//  - a run holds a lock of its own for its whole length, one that disappears with the process:
//    on MariaDB the named lock GET_LOCK('mailhost_migrate:<database>') on a connection kept for
//    it (the server frees it when that connection ends, i.e. once the process and any statement
//    it left running on the server are gone); on SQLite (one file, one host) a lock file next to
//    the database holding the pid. Concurrent starts wait for each other, and a knex lock row
//    found set while we hold our lock was left by a dead run: it is released on the spot.
//    Where there is no such lock (Galera refuses GET_LOCK; in-memory SQLite) a lock row found
//    set stops the run with the hint to run `mailhost migrate --unlock` (releaseMigrationLock).
//    Caveat: a migration started by something that does not take our lock (knex's own CLI, a
//    mailhost older than this file) is not seen, and its lock row would be taken for stale.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Knex } from 'knex';
import { type Db, isMysql, rawRows } from './db';
import { MailhostError } from './errors';

// ---------------------------------------------------------------------------------------
// Idempotent schema steps, used by every file in migrations/.
//
// Each helper lets knex compile the statements it would run (so the schema is exactly what
// the plain schema builder makes, on both engines) and runs each statement only when the
// table, column, index or foreign key it creates does not exist yet. A statement of a shape
// not listed here throws rather than run unchecked: extend `existsAlready` first.

/** knex.schema.createTable, statement by statement, skipping what a crashed run already made. */
export async function createTableIfMissing(knex: Knex, table: string, build: (t: Knex.CreateTableBuilder) => void): Promise<void> {
  await applyMissing(knex, knex.schema.createTable(table, build));
}

/** knex.schema.alterTable adding columns (and their indexes), skipping those already there. */
export async function addColumnIfMissing(knex: Knex, table: string, build: (t: Knex.AlterTableBuilder) => void): Promise<void> {
  await applyMissing(knex, knex.schema.alterTable(table, build));
}

/** An index (unique or not) on an existing table, unless one of that name exists. */
export async function addIndexIfMissing(
  knex: Knex,
  table: string,
  columns: string[],
  opts: { unique?: boolean; name?: string } = {},
): Promise<void> {
  await applyMissing(
    knex,
    knex.schema.alterTable(table, (t) => {
      if (opts.unique) t.unique(columns, opts.name ? { indexName: opts.name } : undefined);
      else t.index(columns, opts.name);
    }),
  );
}

async function applyMissing(knex: Knex, builder: Knex.SchemaBuilder): Promise<void> {
  const statements = builder.toSQL() as unknown as { sql: unknown; bindings?: readonly unknown[] }[];
  for (const s of statements) {
    if (typeof s.sql !== 'string') throw new Error('migration step cannot be checked (knex rebuilds the table): write it another way');
    if (await existsAlready(knex, s.sql)) continue;
    await knex.raw(s.sql, (s.bindings ?? []) as Knex.RawBinding[]);
  }
}

const Q = '`([^`]+)`';
// knex's own shapes for MariaDB/MySQL and SQLite (knex 3); each names what it creates
const SHAPES: { re: RegExp; what: 'table' | 'column' | 'index' | 'foreign' }[] = [
  { re: new RegExp(`^create table ${Q}`), what: 'table' },
  { re: new RegExp(`^alter table ${Q} add constraint ${Q} foreign key`), what: 'foreign' },
  { re: new RegExp(`^alter table ${Q} add (?:unique|index) ${Q}`), what: 'index' },
  { re: new RegExp(`^create (?:unique )?index ${Q} on ${Q}`), what: 'index' },
  { re: new RegExp(`^alter table ${Q} add (?:column )?${Q} `), what: 'column' },
];

async function existsAlready(knex: Knex, sql: string): Promise<boolean> {
  for (const { re, what } of SHAPES) {
    const m = re.exec(sql);
    if (!m) continue;
    // `create index N on T` names the index first; every other shape names the table first
    const [table, name] = sql.startsWith('create ') && what === 'index' ? [m[2], m[1]] : [m[1], m[2]];
    if (what === 'table') return knex.schema.hasTable(table);
    if (what === 'column') return knex.schema.hasColumn(table, name);
    if (!isMysql(knex)) {
      return rawRows(await knex.raw("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ? AND tbl_name = ?", [name, table])).length > 0;
    }
    const catalog =
      what === 'index'
        ? 'SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?'
        : "SELECT 1 FROM information_schema.table_constraints WHERE table_schema = DATABASE() AND table_name = ? AND constraint_name = ? AND constraint_type = 'FOREIGN KEY'";
    return rawRows(await knex.raw(catalog, [table, name])).length > 0;
  }
  throw new Error(`migration step cannot be checked before it runs: ${sql}`);
}

// ---------------------------------------------------------------------------------------
// Running the migrations under the lock.

export interface MigrateOptions {
  /** How long to wait for a run in progress to finish (default 600 s: a big ALTER can take minutes). */
  lockWaitSeconds?: number;
  /** Where a released stale lock is reported (default console.warn). */
  log?: (line: string) => void;
}

const UNLOCK_HINT = 'another migration is running, or one was killed: run `mailhost migrate --unlock`';

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function migrateLatest(db: Db, opts: MigrateOptions = {}): Promise<string[]> {
  const log = opts.log ?? ((line: string) => console.warn(line));
  return withNamedLock(db, opts.lockWaitSeconds ?? 600, async (exclusive) => {
    // Holding our lock, no live mailhost run can hold knex's lock row: it is stale.
    if (exclusive && (await migrationLockSet(db))) {
      await db.migrate.forceFreeMigrationsLock();
      log('mailhost: released the migration lock left by a run that was killed');
    }
    try {
      const [, applied] = (await db.migrate.latest()) as [number, string[]];
      return applied;
    } catch (err) {
      if ((err as Error).name !== 'MigrationLocked') throw err;
      // knex says "already locked" for the row; SQLite "database is locked" while another
      // writer (one that does not take our lock) holds the database
      const why = /already locked/i.test((err as Error).message) ? UNLOCK_HINT : `another migration is running (${(err as Error).message}): try again when it has finished`;
      throw new MailhostError('conflict', `migrations not run: ${why}`);
    }
  });
}

/**
 * Clears knex's migration lock (`mailhost migrate --unlock`). Safe: it refuses, without waiting,
 * while a run holds our lock (MariaDB named lock, SQLite lock file). Returns whether the lock
 * row was set. On Galera there is no named lock: the operator's word that nothing runs is taken.
 */
export async function releaseMigrationLock(db: Db): Promise<boolean> {
  return withNamedLock(db, 0, async () => {
    const wasSet = await migrationLockSet(db);
    if (wasSet) await db.migrate.forceFreeMigrationsLock();
    return wasSet;
  });
}

async function migrationLockSet(db: Db): Promise<boolean> {
  const table = `${(db.client.config as Knex.Config).migrations?.tableName ?? 'knex_migrations'}_lock`;
  if (!(await db.schema.hasTable(table))) return false;
  return (await db(table).where('is_locked', 1).first()) !== undefined;
}

/**
 * Runs `fn` holding the migration lock of this database: GET_LOCK on a connection kept for it
 * on MariaDB/MySQL, a lock file next to the SQLite file. `exclusive` tells `fn` whether it
 * holds one (false on Galera, which refuses GET_LOCK, and for an in-memory SQLite database).
 */
async function withNamedLock<T>(db: Db, waitSeconds: number, fn: (exclusive: boolean) => Promise<T>): Promise<T> {
  if (!isMysql(db)) {
    const file = String(((db.client.config as Knex.Config).connection as { filename?: string })?.filename ?? ':memory:');
    return file === ':memory:' ? fn(false) : withLockFile(`${file}.migrate-lock`, waitSeconds, fn);
  }
  if (await isGalera(db)) return fn(false);
  const conn = await db.client.acquireConnection();
  try {
    const [{ name }] = rawRows(await db.raw('SELECT DATABASE() AS name').connection(conn));
    const lock = lockName(String(name));
    const [{ got }] = rawRows(await db.raw('SELECT GET_LOCK(?, ?) AS got', [lock, waitSeconds]).connection(conn));
    if (Number(got) !== 1) {
      const [{ holder }] = rawRows(await db.raw('SELECT IS_USED_LOCK(?) AS holder', [lock]).connection(conn));
      throw running(
        `MariaDB connection ${holder ?? '?'} holds the lock ${lock}`,
        waitSeconds,
        `if no mailhost process is migrating, the server still runs a statement of that connection (see SHOW PROCESSLIST, or KILL ${holder ?? 'it'})`,
      );
    }
    try {
      return await fn(true);
    } finally {
      await db.raw('SELECT RELEASE_LOCK(?)', [lock]).connection(conn).catch(() => undefined); // closing the connection frees it anyway
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/**
 * SQLite is one file on one host: a lock file created exclusively, holding the pid of the run.
 * A file whose process is gone (killed) is taken over. Two runs that find the same dead pid at
 * the same instant could both take it over; SQLite's own write lock still keeps their
 * transactions apart, so at worst one of them fails and is run again.
 */
async function withLockFile<T>(lockPath: string, waitSeconds: number, fn: (exclusive: boolean) => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitSeconds * 1000;
  // the lock file appears with the pid already in it (a hard link of a file written first), so
  // a run killed while taking the lock never leaves an empty lock file nobody could judge
  const mine = `${lockPath}.${process.pid}`;
  fs.writeFileSync(mine, String(process.pid));
  for (;;) {
    try {
      fs.linkSync(mine, lockPath);
      fs.rmSync(mine, { force: true });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const content = readIfThere(lockPath);
    if (content === undefined) continue; // released meanwhile: try again
    const holder = Number(content);
    if (!(Number.isInteger(holder) && holder > 0 && processAlive(holder))) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      fs.rmSync(mine, { force: true });
      throw running(`process ${holder} holds ${lockPath}`, waitSeconds, 'if that process is not mailhost, remove the file');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn(true);
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}

function running(who: string, waitedSeconds: number, otherwise: string): MailhostError {
  const waited = waitedSeconds ? `, waited ${waitedSeconds} s` : '';
  return new MailhostError('conflict', `another migration is running on this database (${who}${waited}): wait for it to finish; ${otherwise}`);
}

function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

async function isGalera(db: Db): Promise<boolean> {
  const rows = rawRows(await db.raw("SHOW VARIABLES LIKE 'wsrep_on'"));
  return rows.some((r) => String(r.Value).toUpperCase() === 'ON');
}

/** MariaDB names locks server-wide (64 characters at most): one lock per database. */
function lockName(database: string): string {
  const name = `mailhost_migrate:${database}`;
  return name.length <= 64 ? name : `mailhost_migrate:${crypto.createHash('sha1').update(database).digest('hex')}`;
}
