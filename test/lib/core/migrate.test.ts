// Crash-safe migration steps and the migration lock (lib/core/migrate), on each engine.
// The kill-at-many-points test of the real migrations is test/migrations/crash.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  migrateLatest,
  releaseMigrationLock,
  createTableIfMissing,
  addColumnIfMissing,
  addIndexIfMissing,
  openDb,
  rawRows,
  MailhostError,
  type Db,
} from '../../../lib/core';
import { describeEachEngine } from '../../helpers/db';
import { schemaOf } from '../../helpers/schema';

const setLock = (db: Db, v: number) => db('knex_migrations_lock').update({ is_locked: v });
const lockValue = async (db: Db) => Number((await db('knex_migrations_lock').first())!.is_locked);

async function indexNames(db: Db, table: string): Promise<string[]> {
  const isSqlite = !/mysql/.test(String(db.client.config.client));
  const rows = isSqlite
    ? rawRows(await db.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table]))
    : rawRows(await db.raw("SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name <> 'PRIMARY'", [table]));
  return rows.map((r) => String(r.name)).sort();
}

/** Holds the migration lock of `url` from another process, as a live migration would. */
async function holdLock(url: string, dbFile: string): Promise<{ child: ChildProcess; release: () => Promise<void> }> {
  const script = /^mysql/.test(url)
    ? `const { openDb } = require(${JSON.stringify(require.resolve('../../../lib/core'))});
       (async () => { const db = openDb(process.env.URL); const conn = await db.client.acquireConnection();
         const [[{ name }]] = await db.raw('SELECT DATABASE() AS name').connection(conn);
         await db.raw('SELECT GET_LOCK(?, 10)', ['mailhost_migrate:' + name]).connection(conn);
         process.stdout.write('held\\n'); })();`
    : `require('fs').writeFileSync(${JSON.stringify(`${dbFile}.migrate-lock`)}, String(process.pid), { flag: 'wx' });
       process.stdout.write('held\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, URL: url }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => String(d).includes('held') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
  });
  return {
    child,
    release: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

describeEachEngine('crash-safe migration steps', ({ t }) => {
  const build = (tb: import('knex').Knex.CreateTableBuilder) => {
    tb.increments('id').primary();
    tb.integer('domain_id').unsigned().notNullable().references('id').inTable('domains').onDelete('CASCADE');
    tb.string('code', 32).notNullable().unique();
    tb.index(['domain_id', 'code']);
  };

  it('createTableIfMissing finishes a table a crash left without its indexes, and does nothing the second time', async () => {
    const { db } = t();
    // what a run killed right after the CREATE TABLE statement leaves on MariaDB
    const [create] = db.schema.createTable('probe', build).toSQL();
    await db.raw(create.sql);
    assert.deepEqual(await indexNames(db, 'probe'), []);
    await createTableIfMissing(db, 'probe', build);
    const made = await indexNames(db, 'probe');
    assert.ok(made.includes('probe_code_unique') && made.includes('probe_domain_id_code_index'), made.join());
    const before = await schemaOf(db);
    await createTableIfMissing(db, 'probe', build);
    assert.equal(await schemaOf(db), before);
  });

  it('createTableIfMissing makes the same table as knex.schema.createTable', async () => {
    const { db } = t();
    await createTableIfMissing(db, 'probe', build);
    const ours = (await schemaOf(db)).replace(/probe/g, 'X');
    await db.schema.dropTable('probe');
    await db.schema.createTable('probe', build);
    assert.equal((await schemaOf(db)).replace(/probe/g, 'X'), ours);
  });

  it('addColumnIfMissing and addIndexIfMissing add once', async () => {
    const { db } = t();
    for (let i = 0; i < 2; i++) {
      await addColumnIfMissing(db, 'domains', (tb) => {
        tb.string('probe_note', 40).notNullable().defaultTo('');
      });
      await addIndexIfMissing(db, 'domains', ['probe_note']);
      await addIndexIfMissing(db, 'domains', ['probe_note', 'name'], { unique: true, name: 'domains_probe_unique' });
    }
    assert.ok(await db.schema.hasColumn('domains', 'probe_note'));
    const names = await indexNames(db, 'domains');
    assert.ok(names.includes('domains_probe_note_index') && names.includes('domains_probe_unique'), names.join());
  });

  it('refuses a step it cannot check rather than run it blindly', async () => {
    const { db } = t();
    await assert.rejects(
      addColumnIfMissing(db, 'domains', (tb) => {
        tb.dropColumn('default_quota_mb');
      }),
      /cannot be checked/,
    );
    assert.ok(await db.schema.hasColumn('domains', 'default_quota_mb'));
  });
});

describeEachEngine('migration lock', ({ t }) => {
  const dbFile = () => t().url.replace(/^sqlite:\/\//, '');

  it('re-running on an up-to-date database applies nothing and changes nothing', async () => {
    const { db } = t();
    await db('domains').insert({ name: 'example.org' });
    const before = await schemaOf(db);
    assert.deepEqual(await migrateLatest(db), []);
    assert.deepEqual(await migrateLatest(db), []);
    assert.equal(await schemaOf(db), before);
    assert.deepEqual(await db('domains').pluck('name'), ['example.org']);
  });

  it('a lock row left by a killed run is released by the next run, which says so', async () => {
    const { db } = t();
    await setLock(db, 1);
    const lines: string[] = [];
    assert.deepEqual(await migrateLatest(db, { log: (l) => lines.push(l) }), []);
    assert.equal(await lockValue(db), 0);
    assert.match(lines.join('\n'), /released the migration lock/);
    assert.equal(fs.existsSync(`${dbFile()}.migrate-lock`), false, 'no lock file left behind');
  });

  it('releaseMigrationLock clears a set lock and says whether there was one', async () => {
    const { db } = t();
    await setLock(db, 1);
    assert.equal(await releaseMigrationLock(db), true);
    assert.equal(await lockValue(db), 0);
    assert.equal(await releaseMigrationLock(db), false);
  });

  it('while another run holds the lock: a run waits, then fails clearly; unlock refuses', async function () {
    this.timeout(60000);
    const { db, url } = t();
    await setLock(db, 1); // as a live run has it
    const other = await holdLock(url, dbFile());
    try {
      const err = await migrateLatest(db, { lockWaitSeconds: 1 }).then(
        () => assert.fail('migrated under a held lock'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof MailhostError && err.code === 'conflict');
      assert.match(err.message, /another migration is running on this database/);
      await assert.rejects(releaseMigrationLock(db), /another migration is running/);
      assert.equal(await lockValue(db), 1, 'a live run keeps its lock');
    } finally {
      await other.release();
    }
    // the holder died without cleaning up: the next run goes through
    assert.deepEqual(await migrateLatest(db, { log: () => undefined }), []);
    assert.equal(await lockValue(db), 0);
  });

  it('where runs cannot be told apart (no lock of ours), a set lock row stops the run with the --unlock hint', async function () {
    if (t().engine !== 'sqlite') this.skip(); // an in-memory SQLite database has no lock file; Galera is the MariaDB case
    const db = openDb(':memory:');
    try {
      await migrateLatest(db);
      await setLock(db, 1);
      await assert.rejects(migrateLatest(db), (e: unknown) => {
        assert.ok(e instanceof MailhostError);
        assert.equal(e.message, 'migrations not run: another migration is running, or one was killed: run `mailhost migrate --unlock`');
        return true;
      });
      assert.equal(await releaseMigrationLock(db), true);
      assert.deepEqual(await migrateLatest(db), []);
    } finally {
      await db.destroy();
    }
  });
});
