// `kill -9` during a migration, at many points, on each engine: the next run finishes the job
// without any manual step, and the schema is exactly the one a clean run makes. The migrating
// process is a child (migrateChild.ts) that SIGKILLs itself at a chosen SQL statement, so the
// kill points are exact and repeatable; a few kills come from outside after a delay too.
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { migrateLatest } from '../../lib/core';
import { engines, createTestDb, type Engine, type TestDb } from '../helpers/db';
import { schemaOf } from '../helpers/schema';

const CHILD = path.join(__dirname, 'migrateChild.js');

interface ChildEnd {
  killed: boolean;
  stdout: string;
}

/** Runs the migrations in a child; `killAfterMs` kills it from here that long after it is ready. */
function runChild(url: string, env: Record<string, string>, killAfterMs?: number): Promise<ChildEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], { env: { ...process.env, MH_DB_URL: url, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (killAfterMs !== undefined && stdout.startsWith('ready\n')) {
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        killAfterMs = undefined;
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, stdout });
      else if (code === 0) resolve({ killed: false, stdout });
      else reject(new Error(`migration child failed (exit ${code}): ${stderr || stdout}`));
    });
  });
}

/** Finishes the migrations here after a crash (no unlock: a stale lock must be handled) and checks the result. */
async function resumeAndCompare(t: TestDb, clean: string, what: string): Promise<void> {
  await migrateLatest(t.db, { log: () => undefined });
  assert.equal(await schemaOf(t.db), clean, `schema after ${what}`);
  // and once more on the up-to-date database: nothing to do, nothing changed
  assert.deepEqual(await migrateLatest(t.db, { log: () => undefined }), []);
  assert.equal(await schemaOf(t.db), clean, `schema after re-running on top of ${what}`);
}

async function withDb(engine: Engine, fn: (t: TestDb) => Promise<void>): Promise<void> {
  const t = await createTestDb(engine, { migrate: false });
  try {
    await fn(t);
  } finally {
    await t.cleanup();
  }
}

for (const engine of engines()) {
  describe(`migrations killed at many points [${engine}]`, function () {
    this.timeout(300000); // a few seconds each on an idle machine; the test machine is shared
    let clean = '';
    let statements = 0;
    let ddl = 0;

    before(async () => {
      await withDb(engine, async (t) => {
        const end = await runChild(t.url, {});
        statements = Number(/answered (\d+)/.exec(end.stdout)?.[1]);
        ddl = Number(/ddl (\d+)/.exec(end.stdout)?.[1]);
        clean = await schemaOf(t.db);
      });
      assert.ok(statements > 50 && ddl > 40, `a clean run sends the whole schema (${statements} statements, ${ddl} DDL)`);
      assert.match(clean, /lock: 0/);
    });

    // From a fresh database, a kill after the k-th answered statement: every 3rd one on SQLite;
    // every 19th on MariaDB, where a migration takes about a second and the chain below
    // already crashes at each DDL statement (these add the points between: the bookkeeping
    // of knex_migrations and its lock, the checks, the default rows).
    it('a run killed after the k-th statement is finished by the next run, schema identical', async () => {
      const stride = Number(process.env.MIGRATE_CRASH_STRIDE) || (engine === 'sqlite' ? 3 : 19); // 1: every statement
      const missed: number[] = [];
      for (let k = 1; k <= statements; k += stride) {
        await withDb(engine, async (t) => {
          const end = await runChild(t.url, { MH_KILL_AT: String(k), MH_KILL_MODE: 'after' });
          if (!end.killed) missed.push(k);
          await resumeAndCompare(t, clean, `a kill after statement ${k}`);
        });
      }
      assert.deepEqual(missed, [], 'every chosen statement was reached and the child killed there');
    });

    it('a run killed from outside after a delay is finished by the next run', async () => {
      for (const ms of [0, 10, 40, 120]) {
        await withDb(engine, async (t) => {
          await runChild(t.url, {}, ms);
          await resumeAndCompare(t, clean, `a kill ${ms} ms after start`);
        });
      }
    });

    it('runs started together wait for each other: all succeed, the schema is made once', async () => {
      await withDb(engine, async (t) => {
        const ends = await Promise.all([1, 2, 3].map(() => runChild(t.url, {})));
        assert.deepEqual(
          ends.map((e) => e.killed),
          [false, false, false],
        );
        assert.equal(await schemaOf(t.db), clean);
      });
    });

    // MariaDB commits each DDL statement: killing every run at its first DDL statement makes
    // each run add exactly one table, index or foreign key to what the previous killed runs
    // left, so the chain passes through a crash at every DDL statement of the migrations.
    // The runs alternate between a kill while the statement is still in flight (the server
    // finishes it; the next run then waits for it on the lock) and a kill once it is answered.
    if (engine === 'mariadb') {
      it('killed at every DDL statement, one run after another, then finished', async () => {
        await withDb(engine, async (t) => {
          let crashes = 0;
          for (;;) {
            const mode = crashes % 2 === 0 ? 'inflight' : 'after';
            const end = await runChild(t.url, { MH_KILL_AT: '1', MH_KILL_COUNT: 'ddl', MH_KILL_MODE: mode });
            if (!end.killed) break;
            crashes += 1;
            assert.ok(crashes <= 200, 'the killed runs make progress');
          }
          assert.ok(crashes >= ddl, `a crash at each of the ${ddl} DDL statements (${crashes})`);
          await resumeAndCompare(t, clean, `${crashes} crashes in a row`);
        });
      });
    }
  });
}
