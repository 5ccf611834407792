// Throwaway databases for tests: SQLite always, MariaDB too when TEST_MYSQL_URL is set.
// Each call makes its own database, so test files (and parallel runs) never share state.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { openDb, migrateLatest, type Db } from '../../lib/core';

export type Engine = 'sqlite' | 'mariadb';

export function engines(): Engine[] {
  return process.env.TEST_MYSQL_URL ? ['sqlite', 'mariadb'] : ['sqlite'];
}

export interface TestDb {
  engine: Engine;
  url: string;
  db: Db;
  dir: string; // a scratch directory that goes away with the database
  cleanup(): Promise<void>;
}

process.env.MAILHOST_BCRYPT_COST ??= '4'; // fast hashes in tests

export async function createTestDb(engine: Engine, opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-test-'));
  let url: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (engine === 'sqlite') {
    url = `sqlite://${path.join(dir, 'test.sqlite')}`;
  } else {
    const base = new URL(process.env.TEST_MYSQL_URL!);
    const name = `mh_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    const admin = openDb(base.toString());
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.destroy();
    base.pathname = `/${name}`;
    url = base.toString();
    dropDatabase = async () => {
      const a = openDb(process.env.TEST_MYSQL_URL!);
      await a.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.destroy();
    };
  }
  const db = openDb(url);
  if (opts.migrate !== false) await migrateLatest(db);
  return {
    engine,
    url,
    db,
    dir,
    async cleanup() {
      await db.destroy();
      if (dropDatabase) await dropDatabase();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** describe() once per engine, with a fresh migrated database per test. */
export function describeEachEngine(title: string, body: (ctx: { t: () => TestDb }) => void): void {
  for (const engine of engines()) {
    describe(`${title} [${engine}]`, function () {
      let current: TestDb | undefined;
      beforeEach(async () => {
        current = await createTestDb(engine);
      });
      afterEach(async () => {
        await current?.cleanup();
        current = undefined;
      });
      body({ t: () => current! });
    });
  }
}
