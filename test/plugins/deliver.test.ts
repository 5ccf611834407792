// mailhost.deliver through haraka-test-fixtures: the queue hook answers OK only once the Maildir
// copies are on disk, DENYSOFT on any disk/DB/outbound fault (never a throw); the data_post
// hook refuses mail loops 554 5.4.6; get_mx routes through MAILHOST_RELAY.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { engines, createTestDb, type TestDb, type Engine } from '../helpers/db';
import { loadPlugin, connection, callRcpt, callHook, addMessage, reply, constants, type FixturePlugin, type FixtureConnection } from '../helpers/harakaFixtures';
import { closeSharedDb, sharedDb } from '../../lib/core';
import { createDomain, createMailbox, updateMailbox, getMailbox, createAlias, flushUsage } from '../../lib/directory';
import { maildirPath, srsReverse, finalTargets, type MailhostNotes } from '../../lib/delivery';
import { watchOutboundQueueLoad } from '../../plugins/deliver';

const SECRET = 'deliver-plugin-secret';
const { ok: OK, deny: DENY, denysoft: DENYSOFT } = constants;
const BODY = 'Hello Jean,\r\n.a line starting with a dot\r\nbye\r\n';

function message(headers: Record<string, string> = {}): string {
  const h = { From: 'alice@remote.test', To: 'jean@example.com', Subject: 'queue test', 'Message-ID': '<q1@remote.test>', ...headers };
  return `${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${BODY}`;
}

interface Sent { from: string; to: string[]; raw: string; bytes: Buffer }

/** Haraka's outbound module is not part of haraka-test-fixtures: a stand-in with its send_trans_email contract. */
function fakeOutbound(plugin: FixturePlugin, sent: Sent[], answer: number = OK): { init_queue(): Promise<void> } {
  const orig = plugin.haraka_require.bind(plugin);
  const outbound = {
    async init_queue() {
      /* the server loads the queue directory here */
    },
    send_trans_email(txn: Haraka.Transaction, next: (code: number, msg: string) => void) {
      const str = (a: Haraka.Address) => (a.host ? `${a.user}@${a.host}` : '');
      // the bytes as they would leave (dot-stuffing removed), kept as latin1 so every byte survives
      txn.message_stream.get_data({ dot_stuffed: true }, (raw: Buffer) => {
        sent.push({ from: str(txn.mail_from), to: txn.rcpt_to.map(str), raw: raw.toString('latin1'), bytes: raw });
        next(answer, answer === OK ? 'Message Queued' : 'queue is full');
      });
    },
  };
  plugin.haraka_require = (name: string) => (name !== 'outbound' ? orig(name) : outbound);
  return outbound;
}

for (const engine of engines()) {
  describe(`mailhost.deliver plugin [${engine}]`, function () {
    let t: TestDb;
    let rcpt: FixturePlugin & { errors: string[] };
    let deliver: FixturePlugin & { errors: string[] };
    let env: Record<string, string>;
    let sent: Sent[];
    const savedEnv: Record<string, string | undefined> = {};

    const newFiles = (address: string, dataDir = t.dir) => {
      const dir = path.join(maildirPath(dataDir, address), 'new');
      return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')) : [];
    };
    const tmpFiles = (address: string, dataDir = t.dir) => {
      const dir = path.join(maildirPath(dataDir, address), 'tmp');
      return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    };

    /** RCPT each address through mailhost.rcpt (all must be accepted), then DATA. */
    async function transaction(rcpts: string[], msg = message(), mailFrom = 'alice@remote.test'): Promise<FixtureConnection> {
      const conn = connection({ mailFrom });
      for (const r of rcpts) assert.equal((await callRcpt(rcpt, conn, r)).rc, OK, r);
      await addMessage(conn, msg);
      return conn;
    }

    before(async () => {
      t = await createTestDb(engine as Engine);
      const db = t.db;
      await createDomain(db, { name: 'example.com' });
      for (const a of ['jean@example.com', 'marie@example.com', 'paul@example.com', 'fwd@example.com', 'dup@example.com', 'loop@example.com', 'early@example.com']) {
        await createMailbox(db, { address: a, password: 'secret-pass-1' });
      }
      await updateMailbox(db, 'fwd@example.com', { redirectTo: ['out@remote.test'] });
      await createAlias(db, { address: 'info@example.com', targets: ['dup@example.com'] });
      await createAlias(db, { address: 'team@example.com', targets: ['dup@example.com', 'info@example.com'] });
      await createAlias(db, { address: 'both@example.com', targets: ['loop@example.com', 'marie@example.com'] });
      env = { MAILHOST_DB: t.url, MAILHOST_DATA: t.dir, MAILHOST_SRS_SECRET: SECRET };
      // as in a Haraka process, the environment stays set (settings may be read lazily)
      for (const [k, v] of Object.entries(env)) {
        savedEnv[k] = process.env[k];
        process.env[k] = v;
      }
      rcpt = loadPlugin('mailhost.rcpt', env);
      deliver = loadPlugin('mailhost.deliver', env);
    });
    beforeEach(() => {
      sent = [];
      fakeOutbound(deliver, sent);
    });
    after(async () => {
      for (const [k, v] of Object.entries(savedEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await closeSharedDb(t.url);
      await t.cleanup();
    });

    it('registers data_post, queue and queue_outbound hooks and get_mx', () => {
      assert.deepEqual(deliver.hooks.data_post, ['refuse_mail_loops']);
      assert.deepEqual(deliver.hooks.queue, ['deliver']);
      assert.deepEqual(deliver.hooks.queue_outbound, ['deliver_authenticated']);
      assert.equal(typeof deliver.hook_get_mx, 'function');
    });

    it('queue: OK with the message in new/ (tmp/ empty), trace headers added, body intact, usage counted', async () => {
      const conn = await transaction(['Jean@Example.com']);
      const res = await callHook(deliver, 'deliver', conn);
      assert.equal(res.rc, OK, reply(res.msg));
      const files = newFiles('jean@example.com');
      assert.equal(files.length, 1);
      assert.match(files[0], /^Return-Path: <alice@remote\.test>\r\nDelivered-To: jean@example\.com\r\nX-Original-To: jean@example\.com\r\n/);
      assert.ok(files[0].endsWith(`\r\n\r\n${BODY}`), JSON.stringify(files[0].slice(-120)));
      assert.match(files[0], /^Subject: queue test\r$/m);
      assert.deepEqual(tmpFiles('jean@example.com'), []);
      await flushUsage(sharedDb(t.url)); // usage is written behind the delivery, within a second
      assert.equal((await getMailbox(t.db, 'jean@example.com')).used_bytes, Buffer.byteLength(files[0]));
      assert.deepEqual(deliver.errors, []);
    });

    it('queue: one copy for one mailbox reached by three recipients', async () => {
      const conn = await transaction(['dup@example.com', 'info@example.com', 'team@example.com']);
      assert.equal((await callHook(deliver, 'deliver', conn)).rc, OK);
      const files = newFiles('dup@example.com');
      assert.equal(files.length, 1);
      assert.match(files[0], /^X-Original-To: dup@example\.com\r$/m);
    });

    it('queue: a redirect is handed to the outbound queue with an SRS sender', async () => {
      const conn = await transaction(['fwd@example.com']);
      const res = await callHook(deliver, 'deliver', conn);
      assert.equal(res.rc, OK, reply(res.msg));
      assert.equal(sent.length, 1);
      assert.deepEqual(sent[0].to, ['out@remote.test']);
      assert.match(sent[0].from, /^SRS0=[0-9a-f]{8}=[a-z2-7]{2}=remote\.test=alice@example\.com$/);
      assert.equal(srsReverse(sent[0].from.split('@')[0], SECRET), 'alice@remote.test');
      assert.match(sent[0].raw, /^Delivered-To: fwd@example\.com\r\n/);
      assert.deepEqual(newFiles('fwd@example.com'), []);
    });

    it('queue: a forward keeps every byte of an 8-bit ISO-8859-1 message', async () => {
      const latin1 = Buffer.from('From: alice@remote.test\r\nTo: fwd@example.com\r\nSubject: caf\xe9\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nD\xe9j\xe0 vu, \xe7a co\xfbte 5 \xa4.\r\n', 'latin1');
      const conn = connection({ mailFrom: 'alice@remote.test' });
      assert.equal((await callRcpt(rcpt, conn, 'fwd@example.com')).rc, OK);
      await addMessage(conn, latin1);
      const res = await callHook(deliver, 'deliver', conn);
      assert.equal(res.rc, OK, reply(res.msg));
      assert.equal(sent.length, 1);
      const body = sent[0].bytes.subarray(sent[0].bytes.indexOf('\r\n\r\n') + 4);
      assert.ok(body.equals(latin1.subarray(latin1.indexOf('\r\n\r\n') + 4)), body.toString('latin1'));
    });

    it('queue: a quoted sender ("alice"@) is forwarded with a valid SRS sender for alice@', async () => {
      const conn = await transaction(['fwd@example.com'], message(), '"alice"@remote.test');
      const res = await callHook(deliver, 'deliver', conn);
      assert.equal(res.rc, OK, reply(res.msg));
      assert.equal(sent.length, 1);
      assert.doesNotMatch(sent[0].from, /"/);
      assert.equal(srsReverse(sent[0].from.split('@')[0], SECRET), 'alice@remote.test');
    });

    it('queue: DENYSOFT 451 4.3.0 when the outbound queue refuses the forward', async () => {
      fakeOutbound(deliver, sent, DENYSOFT);
      const conn = await transaction(['fwd@example.com']);
      deliver.errors.length = 0;
      const res = await callHook(deliver, 'deliver', conn);
      assert.equal(res.rc, DENYSOFT);
      assert.match(reply(res.msg), /^451 4\.3\.0/);
      assert.equal(deliver.errors.length, 1);
      deliver.errors.length = 0;
    });

    it('queue: until the process has loaded its outbound queue, a forward answers 451 (it would be loaded twice); local copies go on', async () => {
      const outbound = fakeOutbound(deliver, sent);
      const saved = deliver.outboundQueueLoaded;
      deliver.outboundQueueLoaded = watchOutboundQueueLoad(deliver); // as at register(), before the server loads the queue
      try {
        const early = await callHook(deliver, 'deliver', await transaction(['fwd@example.com']));
        assert.equal(early.rc, DENYSOFT);
        assert.match(reply(early.msg), /^451 4\.3\.0/);
        assert.equal(sent.length, 0);
        assert.equal((await callHook(deliver, 'deliver', await transaction(['early@example.com']))).rc, OK);
        await outbound.init_queue(); // the server's startup queue load
        const later = await callHook(deliver, 'deliver', await transaction(['fwd@example.com']));
        assert.equal(later.rc, OK, reply(later.msg));
        assert.equal(sent.length, 1);
      } finally {
        deliver.outboundQueueLoaded = saved;
        deliver.errors.length = 0;
      }
    });

    it('queue: nothing of ours in the transaction -> next() (other queue plugins decide)', async () => {
      const conn = connection();
      await addMessage(conn, message());
      const res = await callHook(deliver, 'deliver', conn);
      assert.equal(res.rc, undefined);
    });

    it('queue_outbound (authenticated client): local copy plus the remote recipient with the original sender', async () => {
      const conn = connection({ relaying: true });
      assert.equal((await callRcpt(rcpt, conn, 'paul@example.com')).rc, OK);
      assert.equal((await callRcpt(rcpt, conn, 'someone@remote.test')).rc, OK);
      await addMessage(conn, message());
      const res = await callHook(deliver, 'deliver_authenticated', conn);
      assert.equal(res.rc, OK, reply(res.msg));
      assert.equal(newFiles('paul@example.com').length, 1);
      assert.equal(sent.length, 1);
      assert.deepEqual([sent[0].from, sent[0].to], ['sender@remote.test', ['someone@remote.test']]);
    });

    it('data_post: a message already delivered to the mailbox is refused 554 5.4.6', async () => {
      const conn = await transaction(['loop@example.com'], message({ 'Delivered-To': 'loop@example.com' }));
      const res = await callHook(deliver, 'refuse_mail_loops', conn);
      assert.equal(res.rc, DENY);
      assert.match(reply(res.msg), /^554 5\.4\.6/);
    });

    it('data_post: when only some targets loop, those are dropped and the others delivered', async () => {
      const conn = await transaction(['both@example.com'], message({ 'Delivered-To': 'loop@example.com' }));
      const res = await callHook(deliver, 'refuse_mail_loops', conn);
      assert.equal(res.rc, undefined);
      const notes = conn.transaction.notes.mailhost as MailhostNotes;
      assert.deepEqual(Object.values(notes.fates).map((f) => f.action), ['drop']);
      const before = newFiles('loop@example.com').length;
      assert.equal((await callHook(deliver, 'deliver', conn)).rc, OK);
      assert.equal(newFiles('loop@example.com').length, before);
      assert.ok(newFiles('marie@example.com').length >= 1);
    });

    it('data_post: an unrelated Delivered-To does not stop delivery', async () => {
      const conn = await transaction(['marie@example.com'], message({ 'Delivered-To': 'someone@elsewhere.test' }));
      assert.equal((await callHook(deliver, 'refuse_mail_loops', conn)).rc, undefined);
    });

    it('queue: DENYSOFT 451 4.3.0 when the data dir is unwritable (under a regular file), nothing written', async () => {
      const blocker = path.join(t.dir, 'regular-file');
      fs.writeFileSync(blocker, 'x');
      const broken = loadPlugin('mailhost.deliver', { ...env, MAILHOST_DATA: path.join(blocker, 'data') });
      const conn = await transaction(['jean@example.com']);
      const res = await callHook(broken, 'deliver', conn);
      assert.equal(res.rc, DENYSOFT);
      assert.match(reply(res.msg), /^451 4\.3\.0/);
      assert.equal(broken.errors.length, 1);
      assert.equal(fs.readFileSync(blocker, 'utf8'), 'x');
    });

    it('queue: the database failing between RCPT and queue: a local copy is stored all the same (its usage written once the database is back), a quarantined one answers DENYSOFT (no throw)', async () => {
      const own = await createTestDb(engine as Engine);
      try {
        await createDomain(own.db, { name: 'example.com' });
        await createMailbox(own.db, { address: 'jean@example.com', password: 'secret-pass-1' });
        const ownEnv = { MAILHOST_DB: own.url, MAILHOST_DATA: own.dir, MAILHOST_SRS_SECRET: SECRET };
        const r = loadPlugin('mailhost.rcpt', ownEnv);
        const d = loadPlugin('mailhost.deliver', ownEnv);
        const inbox = connection();
        assert.equal((await callRcpt(r, inbox, 'jean@example.com')).rc, OK);
        await addMessage(inbox, message());
        const held = connection();
        assert.equal((await callRcpt(r, held, 'jean@example.com')).rc, OK);
        await addMessage(held, message({ 'Message-ID': '<q2@remote.test>' }));
        const notes = held.transaction.notes.mailhost as MailhostNotes;
        for (const { key } of finalTargets(notes)) notes.fates[key] = { action: 'quarantine', reason: 'test' };

        await own.db.schema.renameTable('mailboxes', 'mailboxes_away'); // usage can no longer be recorded
        await own.db.schema.renameTable('quarantine', 'quarantine_away');
        const stored = await callHook(d, 'deliver', inbox);
        const refused = await callHook(d, 'deliver', held);
        await assert.rejects(flushUsage(sharedDb(own.url)));
        await own.db.schema.renameTable('mailboxes_away', 'mailboxes');
        await own.db.schema.renameTable('quarantine_away', 'quarantine');

        assert.equal(stored.rc, OK, reply(stored.msg));
        const files = newFiles('jean@example.com', own.dir);
        assert.equal(files.length, 1);
        assert.equal(refused.rc, DENYSOFT);
        assert.match(reply(refused.msg), /^451 4\.3\.0/);
        assert.equal(d.errors.length, 1);
        await flushUsage(sharedDb(own.url)); // the sums kept from the failed write
        assert.equal((await getMailbox(own.db, 'jean@example.com')).used_bytes, Buffer.byteLength(files[0]));
      } finally {
        await closeSharedDb(own.url);
        await own.cleanup();
      }
    });

    it(
      'srs_secret from config/mailhost.ini (existing installs) signs forwards when MAILHOST_SRS_SECRET is unset',
      async () => {
        const harakaDir = fs.mkdtempSync(path.join(t.dir, 'haraka-'));
        fs.mkdirSync(path.join(harakaDir, 'config'));
        fs.writeFileSync(path.join(harakaDir, 'config', 'mailhost.ini'), `[main]\ndb=${t.url}\ndata_dir=${t.dir}\nsrs_secret=from-the-ini\n`);
        const saved = process.env.MAILHOST_SRS_SECRET;
        delete process.env.MAILHOST_SRS_SECRET;
        try {
          const d = loadPlugin('mailhost.deliver', { MAILHOST_DB: undefined, MAILHOST_DATA: undefined }, harakaDir);
          fakeOutbound(d, sent);
          const res = await callHook(d, 'deliver', await transaction(['fwd@example.com']));
          assert.equal(res.rc, OK, reply(res.msg));
          assert.equal(srsReverse(sent[0].from.split('@')[0], 'from-the-ini'), 'alice@remote.test');
        } finally {
          process.env.MAILHOST_SRS_SECRET = saved;
        }
      },
    );

    it('get_mx: MAILHOST_RELAY routes every outbound message to the smarthost', async () => {
      const withRelay = loadPlugin('mailhost.deliver', { ...env, MAILHOST_RELAY: '127.0.0.1:2626' });
      const res = await callHook(withRelay, 'hook_get_mx', connection(), 'remote.test');
      assert.equal(res.rc, OK);
      assert.deepEqual(res.msg, { exchange: '127.0.0.1', port: 2626, priority: 0 });
      const without = await callHook(deliver, 'hook_get_mx', connection(), 'remote.test');
      assert.equal(without.rc, undefined);
    });
  });
}
