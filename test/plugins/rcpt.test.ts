// mailhost.rcpt through haraka-test-fixtures: the return code and SMTP reply for every kind of
// recipient, the notes left for the later plugins, and the database-down paths (DENYSOFT 4.3.0,
// never a throw, never a 5xx).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { engines, createTestDb, type TestDb, type Engine } from '../helpers/db';
import { loadPlugin, connection, callRcpt, callHook, rawAddress, reply, constants, type FixturePlugin } from '../helpers/harakaFixtures';
import { closeSharedDb } from '../../lib/core';
import { createDomain, createDomainAlias, createMailbox, updateMailbox, addUsage, getMailbox, createAlias, updateAlias, getAlias } from '../../lib/directory';
import { srsForward, maildirPath, type MailhostNotes } from '../../lib/delivery';

const SECRET = 'rcpt-plugin-secret';
const { ok: OK, deny: DENY, denysoft: DENYSOFT } = constants;

async function provision(t: TestDb): Promise<void> {
  const db = t.db;
  await createDomain(db, { name: 'example.com' });
  await createDomainAlias(db, 'alias.test', 'example.com');
  for (const a of ['jean@example.com', 'marie@example.com', 'off@example.com', 'full@example.com']) await createMailbox(db, { address: a, password: 'secret-pass-1' });
  await updateMailbox(db, 'off@example.com', { active: false });
  await updateMailbox(db, 'full@example.com', { quotaMb: 1 });
  await addUsage(db, (await getMailbox(db, 'full@example.com')).id, 1024 * 1024);
  // really full: a recount before refusing finds the megabyte in its Maildir
  const cur = path.join(maildirPath(t.dir, 'full@example.com'), 'cur');
  fs.mkdirSync(cur, { recursive: true });
  fs.writeFileSync(path.join(cur, '1700000000.M1P1.test,S=1048576:2,S'), Buffer.alloc(1024 * 1024, 'x'));
  await createAlias(db, { address: 'team@example.com', targets: ['jean@example.com', 'full@example.com', 'fwd@remote.test'] });
  await createAlias(db, { address: 'a@example.com', targets: ['jean@example.com'] });
  await createAlias(db, { address: 'b@example.com', targets: ['a@example.com'] });
  await updateAlias(db, (await getAlias(db, 'a@example.com')).id, { targets: ['b@example.com'] });
}

function pluginEnv(t: TestDb, extra: Record<string, string> = {}) {
  return { MAILHOST_DB: t.url, MAILHOST_DATA: t.dir, MAILHOST_SRS_SECRET: SECRET, ...extra };
}

function notesOf(conn: { transaction: { notes: Record<string, unknown> } }): MailhostNotes {
  return conn.transaction.notes.mailhost as MailhostNotes;
}

for (const engine of engines()) {
  describe(`mailhost.rcpt plugin [${engine}]`, function () {
    let t: TestDb;
    let plugin: FixturePlugin & { errors: string[] };

    before(async () => {
      t = await createTestDb(engine as Engine);
      await provision(t);
      plugin = loadPlugin('mailhost.rcpt', pluginEnv(t));
    });
    after(async () => {
      await closeSharedDb(t.url);
      await t.cleanup();
    });
    afterEach(() => assert.deepEqual(plugin.errors, [], 'no errors logged'));

    it('loads from plugins/mailhost.rcpt.js and exposes hook_rcpt', () => {
      assert.match(String((plugin as unknown as { plugin_path: string }).plugin_path), /plugins\/mailhost\.rcpt\.js$/);
      assert.equal(typeof plugin.hook_rcpt, 'function');
    });

    const table: [string, number, string][] = [
      ['jean@example.com', OK, ''],
      ['JEAN@Example.COM', OK, ''],
      ['jean+tag@example.com', OK, ''],
      ['marie@alias.test', OK, ''],
      ['team@example.com', OK, ''],
      ['postmaster@example.com', OK, ''],
      ['ghost@example.com', DENY, '550 5.1.1'],
      ['ghost@alias.test', DENY, '550 5.1.1'],
      ['off@example.com', DENY, '550 5.2.1'],
      ['full@example.com', DENYSOFT, '452 4.2.2'],
      ['a@example.com', DENY, '550 5.4.6'],
      ['someone@remote.test', DENY, '550 5.7.1'],
    ];
    for (const [rcpt, rc, code] of table) {
      it(`RCPT ${rcpt} -> ${rc === OK ? 'OK' : rc === DENY ? 'DENY' : 'DENYSOFT'} ${code}`, async () => {
        const conn = connection();
        const res = await callRcpt(plugin, conn, rcpt);
        assert.equal(res.rc, rc, `rc for ${rcpt}: ${JSON.stringify(res)}`);
        if (code) assert.equal(reply(res.msg).slice(0, 9), code);
        const notes = notesOf(conn);
        if (rc === OK) assert.equal(notes.recipients.length, 1);
        else assert.equal(notes?.recipients.length ?? 0, 0, 'a refused recipient leaves no targets');
      });
    }

    it('malformed recipient -> DENY 501 5.1.3', async () => {
      for (const addr of [rawAddress('a..b', 'example.com'), rawAddress('jean', 'exa_mple.com'), rawAddress('jean', 'localhost')]) {
        const res = await callHook(plugin, 'hook_rcpt', connection(), [addr, {}]);
        assert.equal(res.rc, DENY, addr.original);
        assert.match(reply(res.msg), /^501 5\.1\.3/);
      }
    });

    it('leaves one note per accepted RCPT with its final targets, skipping the full member', async () => {
      const conn = connection();
      assert.equal((await callRcpt(plugin, conn, 'jean@example.com')).rc, OK);
      assert.equal((await callRcpt(plugin, conn, 'ghost@example.com')).rc, DENY);
      assert.equal((await callRcpt(plugin, conn, 'team@example.com')).rc, OK);
      const notes = notesOf(conn);
      assert.deepEqual(
        notes.recipients.map((r) => [r.rcpt, r.targets.map((x) => (x.kind === 'local' ? x.mailbox.address : x.address)).sort()]),
        [
          ['jean@example.com', ['jean@example.com']],
          ['team@example.com', ['fwd@remote.test', 'jean@example.com']],
        ],
      );
      assert.deepEqual(notes.fates, {});
    });

    it('keeps the subaddress tag and the canonical recipient of a domain alias in the notes', async () => {
      const conn = connection();
      await callRcpt(plugin, conn, 'Jean+News@alias.test');
      const [r] = notesOf(conn).recipients;
      assert.equal(r.recipient, 'jean+news@example.com');
      assert.equal(r.targets[0].kind === 'local' && r.targets[0].tag, 'news');
    });

    it(
      'notes keep the address the client gave as rcpt (lib/notes.ts contract)',
      async () => {
        const conn = connection();
        await callRcpt(plugin, conn, 'Jean+News@alias.test');
        const [r] = notesOf(conn).recipients;
        assert.equal(r.rcpt, 'jean+news@alias.test');
        assert.equal(r.recipient, 'jean+news@example.com');
      },
    );

    it('accepts a non-local recipient for an authenticated (relaying) client, noted as remote', async () => {
      const conn = connection({ relaying: true });
      const res = await callRcpt(plugin, conn, 'someone@remote.test');
      assert.equal(res.rc, OK);
      assert.deepEqual(notesOf(conn).remote, ['someone@remote.test']);
      assert.equal(notesOf(conn).recipients.length, 0);
    });

    it('accepts a bounce to an SRS address it issued, routed to the original sender', async () => {
      const conn = connection({ mailFrom: '<>' });
      const srs = srsForward('alice@sender.test', 'example.com', SECRET);
      const res = await callRcpt(plugin, conn, srs);
      assert.equal(res.rc, OK);
      const t0 = notesOf(conn).recipients[0].targets[0];
      assert.deepEqual(t0.kind === 'external' && t0.address, 'alice@sender.test');
    });

    it('refuses a forged SRS address 550 5.1.1', async () => {
      const srs = srsForward('alice@sender.test', 'example.com', 'not-our-secret');
      const res = await callRcpt(plugin, connection({ mailFrom: '<>' }), srs);
      assert.equal(res.rc, DENY);
      assert.match(reply(res.msg), /^550 5\.1\.1/);
    });

    it('answers nothing (next) when there is no transaction', async () => {
      const conn = connection();
      (conn as unknown as { transaction: null }).transaction = null;
      const res = await callHook(plugin, 'hook_rcpt', conn, [rawAddress('jean', 'example.com'), {}]);
      assert.equal(res.rc, undefined);
    });

    it(
      'RCPT TO:<postmaster> without a domain is accepted (RFC 5321 4.5.1)',
      async () => {
        const pm = loadPlugin('mailhost.rcpt', pluginEnv(t, { MAILHOST_POSTMASTER: 'jean@example.com' }));
        const res = await callHook(pm, 'hook_rcpt', connection(), [rawAddress('postmaster', null), {}]);
        assert.equal(res.rc, OK, reply(res.msg));
      },
    );

    describe('database down', () => {
      it('DB closed under the plugin -> DENYSOFT 451 4.3.0, error logged, no throw', async () => {
        const own = await createTestDb(engine as Engine);
        try {
          await provision(own);
          const p = loadPlugin('mailhost.rcpt', pluginEnv(own));
          assert.equal((await callRcpt(p, connection(), 'jean@example.com')).rc, OK);
          await closeSharedDb(own.url); // the plugin's pool is gone
          // an address not asked before has no cached answer: 451 at once
          const res = await callRcpt(p, connection(), 'marie@example.com');
          assert.equal(res.rc, DENYSOFT);
          assert.match(reply(res.msg), /^451 4\.3\.0/);
          assert.ok(p.errors.length >= 1, 'the fault is logged');
          // the answer cached a moment ago stands at most a second without the database
          const deadline = Date.now() + 3000;
          let again = await callRcpt(p, connection(), 'jean@example.com');
          while (again.rc !== DENYSOFT && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
            again = await callRcpt(p, connection(), 'jean@example.com');
          }
          assert.equal(again.rc, DENYSOFT);
          assert.match(reply(again.msg), /^451 4\.3\.0/);
        } finally {
          await closeSharedDb(own.url);
          await own.cleanup();
        }
      });

      if (engine === 'sqlite') {
        it('SQLite file that cannot be opened (a directory) -> DENYSOFT 451 4.3.0', async () => {
          const dir = path.join(t.dir, 'a-directory.sqlite');
          fs.mkdirSync(dir);
          const url = `sqlite://${dir}`;
          const p = loadPlugin('mailhost.rcpt', pluginEnv(t, { MAILHOST_DB: url }));
          const res = await callRcpt(p, connection(), 'jean@example.com');
          assert.equal(res.rc, DENYSOFT);
          assert.match(reply(res.msg), /^451 4\.3\.0/);
          assert.ok(p.errors.length >= 1);
          await closeSharedDb(url);
        });

        it('schema gone (tables renamed away) -> DENYSOFT 451 4.3.0, back to OK when restored', async () => {
          const own = await createTestDb('sqlite');
          try {
            await provision(own);
            const p = loadPlugin('mailhost.rcpt', pluginEnv(own));
            await own.db.schema.renameTable('mailboxes', 'mailboxes_away');
            const res = await callRcpt(p, connection(), 'jean@example.com');
            assert.equal(res.rc, DENYSOFT);
            assert.match(reply(res.msg), /^451 4\.3\.0/);
            await own.db.schema.renameTable('mailboxes_away', 'mailboxes');
            assert.equal((await callRcpt(p, connection(), 'jean@example.com')).rc, OK);
          } finally {
            await closeSharedDb(own.url);
            await own.cleanup();
          }
        });
      }

      it('MariaDB on a closed port -> DENYSOFT 451 4.3.0, no throw', async () => {
        const url = 'mysql://root@127.0.0.1:1/nothing';
        const p = loadPlugin('mailhost.rcpt', pluginEnv(t, { MAILHOST_DB: url }));
        try {
          const res = await callRcpt(p, connection(), 'jean@example.com');
          assert.equal(res.rc, DENYSOFT);
          assert.match(reply(res.msg), /^451 4\.3\.0/);
          assert.ok(p.errors.length >= 1);
        } finally {
          await closeSharedDb(url);
        }
      });

      it('a database that accepts connections but never answers -> DENYSOFT 451 4.3.0 within the lookup timeout', async function () {
        this.timeout(20000);
        const sockets = new Set<net.Socket>();
        const silent = net.createServer((s) => {
          sockets.add(s);
          s.on('error', () => undefined);
        });
        await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
        const url = `mysql://root@127.0.0.1:${(silent.address() as net.AddressInfo).port}/nothing`;
        const p = loadPlugin('mailhost.rcpt', pluginEnv(t, { MAILHOST_DB: url }));
        const started = Date.now();
        try {
          const res = await callRcpt(p, connection(), 'jean@example.com');
          assert.equal(res.rc, DENYSOFT);
          assert.match(reply(res.msg), /^451 4\.3\.0/);
          assert.ok(Date.now() - started < 12000, `answered after ${Date.now() - started} ms`);
        } finally {
          for (const s of sockets) s.destroy();
          silent.close();
          await closeSharedDb(url);
        }
      });

      it('init_master with the database unreachable still calls next (Haraka keeps serving)', async () => {
        const url = 'mysql://root@127.0.0.1:1/nothing';
        const p = loadPlugin('mailhost.rcpt', pluginEnv(t, { MAILHOST_DB: url }));
        try {
          const res = await new Promise<{ rc: unknown }>((resolve) => p.hook_init_master((rc?: number) => resolve({ rc })));
          assert.equal(res.rc, undefined);
          assert.equal(p.errors.length, 1);
        } finally {
          await closeSharedDb(url);
        }
      });
    });
  });
}
