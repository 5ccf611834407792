// mailhost.autoreply through haraka-test-fixtures: the hooks answer exactly once and never
// throw; data_post adds away-forwards (DENYSOFT when the database is down); queue_ok answers
// at once and queues the reply on outbound with the null sender afterwards.
import assert from 'node:assert/strict';
import { engines, createTestDb, type TestDb, type Engine } from '../helpers/db';
import { loadPlugin, connection, callRcpt, callHook, addMessage, reply, constants, type FixturePlugin, type FixtureConnection } from '../helpers/harakaFixtures';
import { closeSharedDb } from '../../lib/core';
import { createDomain, createMailbox, createAlias } from '../../lib/directory';
import { finalTargets, type MailhostNotes } from '../../lib/delivery';
import { createAutoreply } from '../../lib/autoreply';

const { ok: OK, denysoft: DENYSOFT } = constants;
const DOWN = 'mysql://nobody@127.0.0.1:1/none';

function message(headers: Record<string, string> = {}): string {
  const h = { From: 'Alice <alice@remote.test>', To: 'contact@example.com', Subject: 'Bonjour', 'Message-ID': '<m1@remote.test>', ...headers };
  return `${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\nHello\r\n`;
}

interface Sent { from: string; to: string[]; raw: string }

function fakeOutbound(plugin: FixturePlugin, sent: Sent[], answer: number = OK): void {
  const orig = plugin.haraka_require.bind(plugin);
  plugin.haraka_require = (name: string) =>
    name !== 'outbound'
      ? orig(name)
      : {
          send_email(from: string, to: string[], contents: string, next: (code: number, msg: string) => void) {
            sent.push({ from, to: to.map(String), raw: contents });
            setImmediate(() => next(answer, answer === OK ? 'Message Queued' : 'queue is full'));
          },
        };
}

async function waitFor<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const engine of engines()) {
  describe(`mailhost.autoreply plugin [${engine}]`, function () {
    let t: TestDb;
    let rcpt: FixturePlugin & { errors: string[] };
    let ar: FixturePlugin & { errors: string[] };
    let env: Record<string, string>;

    async function transaction(rcpts: string[], msg = message(), mailFrom = 'alice@remote.test'): Promise<FixtureConnection> {
      const conn = connection({ mailFrom });
      for (const r of rcpts) assert.equal((await callRcpt(rcpt, conn, r)).rc, OK, r);
      await addMessage(conn, msg);
      return conn;
    }

    before(async () => {
      t = await createTestDb(engine as Engine);
      await createDomain(t.db, { name: 'example.com' });
      await createMailbox(t.db, { address: 'jean@example.com', password: 'secret-pass-1', name: 'Jean' });
      await createAlias(t.db, { address: 'contact@example.com', targets: ['jean@example.com'] });
      await createAutoreply(t.db, 'jean@example.com', { bodyText: 'Absent.', enabled: true, forwardTo: 'backup@remote.test', maxPerDay: 10 });
      env = { MAILHOST_DB: t.url, MAILHOST_DATA: t.dir };
      rcpt = loadPlugin('mailhost.rcpt', env);
      ar = loadPlugin('mailhost.autoreply', env);
    });

    after(async () => {
      await closeSharedDb();
      await t?.cleanup();
    });

    it('registers data_post and queue_ok', () => {
      assert.deepEqual(ar.hooks.data_post, ['away_forwards']);
      assert.deepEqual(ar.hooks.queue_ok, ['send_autoreplies']);
    });

    it('data_post: adds the away forward as an external target', async () => {
      const conn = await transaction(['contact@example.com']);
      const res = await callHook(ar, 'away_forwards', conn);
      assert.equal(res.rc, undefined);
      const notes = conn.transaction!.notes.mailhost as MailhostNotes;
      const targets = finalTargets(notes).map((x) => (x.target.kind === 'local' ? x.target.mailbox.address : x.target.address));
      assert.deepEqual(targets, ['jean@example.com', 'backup@remote.test']);
    });

    it('data_post: DENYSOFT 4.3.0 when the database is down, nothing thrown', async () => {
      const down = loadPlugin('mailhost.autoreply', { ...env, MAILHOST_DB: DOWN });
      const conn = await transaction(['contact@example.com']);
      const res = await callHook(down, 'away_forwards', conn);
      assert.equal(res.rc, DENYSOFT);
      assert.match(reply(res.msg), /^451 4\.3\.0/);
      assert.equal(down.errors.length, 1);
    });

    it('queue_ok: answers at once, then queues the reply with the null sender', async () => {
      const sent: Sent[] = [];
      fakeOutbound(ar, sent);
      const conn = await transaction(['contact@example.com'], message(), 'alice+1@remote.test');
      const res = await callHook(ar, 'send_autoreplies', conn, 'Message Queued');
      assert.equal(res.rc, undefined);
      const out = await waitFor(() => sent[0]);
      assert.equal(out.from, '<>');
      assert.deepEqual(out.to, ['alice+1@remote.test']);
      assert.match(out.raw, /^Auto-Submitted: auto-replied\r$/m);
      assert.match(out.raw, /^In-Reply-To: <m1@remote\.test>\r$/m);
    });

    it('queue_ok: a suppressed message queues nothing', async () => {
      const sent: Sent[] = [];
      fakeOutbound(ar, sent);
      const logged: string[] = [];
      const saved = ar.loginfo;
      ar.loginfo = (...a: unknown[]) => void logged.push(a.map(String).join(' '));
      try {
        const conn = await transaction(['contact@example.com'], message({ Precedence: 'bulk' }), 'alice+2@remote.test');
        assert.equal((await callHook(ar, 'send_autoreplies', conn)).rc, undefined);
        await waitFor(() => logged.find((l) => /autoreplies done: 0 sent, 1 skipped/.test(l)));
        assert.ok(logged.some((l) => /: precedence$/.test(l)));
        assert.deepEqual(sent, []);
      } finally {
        ar.loginfo = saved;
      }
    });

    it('queue_ok: an outbound refusal is logged, never thrown', async () => {
      const sent: Sent[] = [];
      fakeOutbound(ar, sent, DENYSOFT);
      const before = ar.errors.length;
      const conn = await transaction(['contact@example.com'], message(), 'alice+3@remote.test');
      assert.equal((await callHook(ar, 'send_autoreplies', conn)).rc, undefined);
      await waitFor(() => (ar.errors.length > before ? true : undefined));
      assert.match(ar.errors[ar.errors.length - 1], /failed: outbound refused/);
    });

    it('queue_ok: database down - answered once (Haraka ignores the code here: the 250 stands), the fault is logged', async () => {
      const down = loadPlugin('mailhost.autoreply', { ...env, MAILHOST_DB: DOWN });
      const conn = await transaction(['contact@example.com']);
      const res = await callHook(down, 'send_autoreplies', conn);
      assert.equal(res.rc, DENYSOFT);
      assert.equal(down.errors.length, 1);
      assert.match(down.errors[0], /ECONNREFUSED|connect/);
    });

    it('no mailhost notes: nothing to do', async () => {
      const conn = connection();
      assert.equal((await callHook(ar, 'send_autoreplies', conn)).rc, undefined);
      assert.equal((await callHook(ar, 'away_forwards', conn)).rc, undefined);
    });
  });
}
