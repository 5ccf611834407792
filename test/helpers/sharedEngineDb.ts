// Like describeEachEngine (test/helpers/db.ts), but ONE migrated database per engine for the
// whole block, emptied before each test: long tables of small cases would otherwise spend
// their time creating and migrating MariaDB databases (about a second each).
// Emptying = deleting every domain; mailboxes, aliases (+ targets) and domain aliases cascade.
import { engines, createTestDb, type TestDb } from './db';
import type { Db } from '../../lib/core';

export async function emptyFoundation(db: Db): Promise<void> {
  await db('domains').delete();
  for (const table of ['mailboxes', 'aliases', 'alias_targets', 'domain_aliases']) {
    const [{ n }] = await db(table).count({ n: '*' });
    if (Number(n)) throw new Error(`${table} not emptied by the cascade from domains (${n} rows left)`);
  }
}

export function describeEachEngineShared(title: string, body: (ctx: { t: () => TestDb }) => void): void {
  for (const engine of engines()) {
    describe(`${title} [${engine}]`, function () {
      let current: TestDb | undefined;
      before(async function () {
        this.timeout(120000);
        current = await createTestDb(engine);
      });
      beforeEach(async () => {
        await emptyFoundation(current!.db);
      });
      after(async () => {
        await current?.cleanup();
        current = undefined;
      });
      body({ t: () => current! });
    });
  }
}
