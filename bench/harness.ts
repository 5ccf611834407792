// Shared by the benchmarks (bench/mta.ts, bench/admin.ts): undo steps run once on exit, error
// or a signal; a throwaway database (SQLite in the temp dir, or a new database on a MariaDB/MySQL
// server, dropped at the end); and settling a bulk-loaded database before measuring.
import path from 'node:path';
import crypto from 'node:crypto';
import { openDb, type Db } from '../lib/core';

// ---------------------------------------------------------------------------------------------
// cleanup: everything we create registers its undo here; run on exit, error and signals

export const undo: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | null = null;
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (undo.length) {
      try {
        await undo.pop()!();
      } catch (err) {
        console.error(`cleanup: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// database

export interface BenchDb { url: string; label: string }

/** `db`: "sqlite" or a server URL (its own database name, if any, is not touched). */
export async function createDatabase(db: string, tmp: string, prefix = 'mailhost_bench'): Promise<BenchDb> {
  if (db === 'sqlite') {
    const file = path.join(tmp, 'bench.sqlite');
    return { url: `sqlite://${file}`, label: `SQLite ${file}` };
  }
  const server = new URL(db.replace(/^mariadb:/i, 'mysql:'));
  server.pathname = '/';
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = openDb(server.toString());
  try {
    const [[{ v }]] = (await admin.raw('SELECT VERSION() AS v')) as [[{ v: string }]];
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    undo.push(async () => {
      const a = openDb(server.toString());
      try {
        await a.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await a.destroy();
      }
    });
    const url = new URL(server.toString());
    url.pathname = `/${name}`;
    const shown = new URL(url.toString());
    if (shown.password) shown.password = '***';
    return { url: url.toString(), label: `MariaDB/MySQL ${v} ${shown.toString()}` };
  } finally {
    await admin.destroy();
  }
}

/**
 * After the bulk load: fresh optimizer statistics and, on MariaDB/MySQL, the seed's dirty pages
 * written back now (FLUSH TABLES ... FOR EXPORT flushes just these tables, no server setting is
 * touched), so InnoDB's background flushing does not land in the measurements. Returns ms.
 */
export async function settle(db: Db, tables: string[]): Promise<number> {
  const t0 = Date.now();
  if ((db.client.config as { client?: string }).client !== 'mysql2') {
    await db.raw('ANALYZE');
    return Date.now() - t0;
  }
  const list = tables.map((t) => `\`${t}\``).join(', ');
  await db.raw(`ANALYZE TABLE ${list}`);
  // the lock belongs to the session: run both statements on one connection
  await db.transaction(async (trx) => {
    await trx.raw(`FLUSH TABLES ${list} FOR EXPORT`);
    await trx.raw('UNLOCK TABLES');
  });
  return Date.now() - t0;
}

/** An integer command-line value of at least `min`, or an error that shows the usage. */
export function intArg(name: string, v: string | undefined, usage: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}\n${usage}`);
  return n;
}
