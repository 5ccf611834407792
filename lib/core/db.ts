// One knex handle per process and URL; SQLite (better-sqlite3) or MariaDB/MySQL (mysql2).
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';

export type Db = Knex;

export function isMysqlUrl(url: string): boolean {
  return /^(mysql|mariadb):\/\//i.test(url);
}

function sqlitePath(url: string): string {
  if (url === ':memory:' || url === 'sqlite::memory:') return ':memory:';
  return url.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '');
}

export function knexConfig(url: string): Knex.Config {
  const migrations = { directory: path.join(__dirname, '..', '..', 'migrations'), loadExtensions: ['.js'], tableName: 'knex_migrations' };
  if (isMysqlUrl(url)) {
    const u = new URL(url.replace(/^mariadb:/i, 'mysql:'));
    // ?socket=/run/mysqld/mysqld.sock: a server on the same host through its Unix socket
    // (cheaper per statement than TCP on loopback); host and port are then ignored
    const socketPath = u.searchParams.get('socket') || undefined;
    return {
      client: 'mysql2',
      connection: {
        ...(socketPath ? { socketPath } : {}),
        host: u.hostname,
        port: u.port ? Number(u.port) : 3306,
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: u.pathname.replace(/^\//, ''),
        charset: 'utf8mb4',
        connectTimeout: 3000,
        supportBigNumbers: true,
        bigNumberStrings: false,
      },
      pool: { min: 0, max: 10, idleTimeoutMillis: 30000 },
      acquireConnectionTimeout: 5000,
      migrations,
    };
  }
  const file = sqlitePath(url);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return {
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        try {
          // WAL lets several Haraka workers and the admin read while one writes;
          // synchronous=FULL so a committed quarantine row survives power loss.
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = FULL');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
    acquireConnectionTimeout: 5000,
    migrations,
  };
}

export function openDb(url: string): Db {
  return knexFactory(knexConfig(url));
}

const shared = new Map<string, Db>();

/** The process-wide handle for this URL (plugins of one Haraka worker share it). */
export function sharedDb(url: string): Db {
  let db = shared.get(url);
  if (!db) {
    db = openDb(url);
    shared.set(url, db);
  }
  return db;
}

export async function closeSharedDb(url?: string): Promise<void> {
  for (const [key, db] of shared) {
    if (url && key !== url) continue;
    shared.delete(key);
    await db.destroy();
  }
}

// migrateLatest lives in ./migrate (the lock and the crash-safe steps)
export function isMysql(db: Db): boolean {
  return (db.client.config as Knex.Config).client === 'mysql2';
}

/** Rejects when a promise takes longer than `ms`, so a hung database turns into a 4xx, not a stuck session. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'database'): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `?, ?, ?` for n bindings of a raw statement. */
export function placeholders(n: number): string {
  return Array(n).fill('?').join(', ');
}

interface PreparingConnection {
  execute(sql: string, values: unknown[], cb: (err: Error | null, rows: unknown) => void): void;
}

/**
 * The rows of a SELECT run as a server-side prepared statement on MariaDB/MySQL (mysql2 keeps
 * it prepared on each connection), through knex's raw elsewhere. For the statement of every RCPT:
 * measured on the recipient lookup, about 20 % less database CPU and a third less time than the
 * text protocol, which has the server parse and plan it each time. Listeners of knex's 'query'
 * event still see it.
 */
export async function preparedRows(db: Db, sql: string, bindings: (string | number)[]): Promise<Record<string, unknown>[]> {
  if (!isMysql(db)) return rawRows(await db.raw(sql, bindings));
  const client = db.client as unknown as { acquireConnection(): Promise<PreparingConnection>; releaseConnection(c: PreparingConnection): Promise<unknown> };
  db.emit('query', { sql, bindings, method: 'raw' });
  const conn = await client.acquireConnection();
  try {
    return await new Promise<Record<string, unknown>[]>((resolve, reject) => conn.execute(sql, bindings, (err, rows) => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))));
  } finally {
    await client.releaseConnection(conn);
  }
}

/** The rows of a knex raw SELECT: mysql2 gives [rows, fields], better-sqlite3 gives rows. */
export function rawRows(result: unknown): Record<string, unknown>[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
}
