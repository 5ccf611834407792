// End to end over real SMTP: per-recipient verdicts (tag / Junk / quarantine in one message),
// a sender blocked at RCPT for its recipient only, an allowed sender that skips the spam verdict
// but not the virus verdict (Haraka's own clamd plugin against a loopback stand-in for clamd),
// the X-Spam-* headers, forwards of spam, the all-reject rule, quarantine release and purge.
// Provisioning goes through the `mailhost` CLI. One Haraka per engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engines, createTestDb, type TestDb, type Engine } from '../helpers/db';
import { startHaraka, type RunningHaraka } from '../helpers/haraka';
import { sendMessage, buildMessage, startSink, type Sink } from '../helpers/smtp';
import { main } from '../../bin/cli';
import { startFakeClamd, clamdIni, EICAR } from '../helpers/clamd';
import { maildirPath, JUNK_FOLDER } from '../../lib/delivery';
import { openDb, type Db } from '../../lib/core';
import { listQuarantine } from '../../lib/quarantine';

const PLUGINS = ['mailhost.loopback_rdns', 'clamd', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver'];
const PASSWORD = 'secret-pass-1';

async function cli(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { env, out: (s) => out.push(s), err: (s) => err.push(s) });
  assert.equal(code, 0, `mailhost ${argv.join(' ')}: ${err.join(' ')}`);
  return out.join('\n');
}

function files(dataDir: string, address: string, folder?: string): string[] {
  const root = maildirPath(dataDir, address);
  const dir = path.join(folder ? path.join(root, folder) : root, 'new');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

function head(file: string): string {
  const raw = fs.readFileSync(file, 'latin1');
  return raw.slice(0, raw.indexOf('\r\n\r\n') + 2);
}

for (const engine of engines()) {
  describe(`spam verdicts end to end [${engine}]`, function () {
    this.timeout(60000);
    let t: TestDb;
    let db: Db;
    let haraka: RunningHaraka;
    let sink: Sink;
    let clamd: Awaited<ReturnType<typeof startFakeClamd>>;
    let dataDir: string;
    let env: NodeJS.ProcessEnv;

    before(async function () {
      this.timeout(120000);
      t = await createTestDb(engine as Engine);
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-spam-e2e-'));
      env = { MAILHOST_DB: t.url, MAILHOST_DATA: dataDir };
      const c = (...argv: string[]) => cli(env, ...argv);
      await c('migrate');
      await c('domain', 'add', 'example.com');
      await c('domain', 'add', 'strict.test');
      // threshold -100: every message is spam for these recipients, whatever the engine scores
      await c('policy', 'add', 'tagall', '--threshold=-100', '--action', 'tag', '--subject-tag', '[SPAM]', '--warning', 'Ce message ressemble à du spam.');
      await c('policy', 'add', 'junkall', '--threshold=-100', '--action', 'junk');
      await c('policy', 'add', 'holdall', '--threshold=-100', '--action', 'quarantine', '--virus-action', 'quarantine');
      await c('policy', 'add', 'rejectall', '--threshold=-100', '--action', 'reject');
      for (const local of ['tagged', 'junked', 'held', 'blk1', 'blk2', 'av', 'plain', 'rej1', 'rej2', 'keepme', 'big', 'hfrom']) {
        await c('mailbox', 'add', `${local}@example.com`, '--password', PASSWORD);
      }
      await c('policy', 'assign', 'tagall', 'tagged@example.com');
      await c('policy', 'assign', 'junkall', 'junked@example.com');
      await c('policy', 'assign', 'holdall', 'held@example.com');
      await c('policy', 'assign', 'holdall', 'av@example.com');
      await c('policy', 'assign', 'holdall', 'big@example.com');
      await c('policy', 'assign', 'rejectall', 'rej1@example.com');
      await c('policy', 'assign', 'rejectall', 'rej2@example.com');
      // forwards: strict.test holds spam (not forwarded); example.com tags it (forwarded tagged)
      await c('policy', 'assign', 'junkall', 'strict.test');
      await c('alias', 'add', 'fw@strict.test', 'out-strict@remote.test');
      await c('alias', 'add', 'fw@example.com', 'out-tag@remote.test');
      await c('policy', 'assign', 'tagall', 'example.com');
      await c('policy', 'assign', 'none', 'plain@example.com'); // no override: the domain's
      // lists
      await c('list', 'add', 'block', 'spammer.test', '--mailbox', 'blk1@example.com');
      await c('list', 'add', 'allow', 'friend@allowed.test', '--mailbox', 'av@example.com');
      await c('list', 'add', 'block', '*@badfrom.test', '--mailbox', 'hfrom@example.com');
      await c('policy', 'assign', 'default', 'hfrom@example.com');
      db = openDb(t.url);
      clamd = await startFakeClamd();
      sink = await startSink();
      haraka = await startHaraka({
        db: t.url,
        dataDir,
        relay: `127.0.0.1:${sink.port}`,
        plugins: PLUGINS,
        configFiles: { 'clamd.ini': clamdIni(clamd.port) },
      });
    });

    after(async () => {
      await haraka?.stop();
      await sink?.close();
      await clamd?.close();
      await db?.destroy();
      await t?.cleanup();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(haraka.log().slice(-6000));
    });

    it('one message to three recipients with three policies: tagged / Junk / quarantine, headers on each copy', async () => {
      const msg = buildMessage({ from: 'promo@shop.test', subject: 'Big offer', body: 'Hello there.\r\n', headers: { 'X-Spam-Flag': 'NO', 'X-Spam-Status': 'No, score=-50.0 forged' } });
      const res = await sendMessage(haraka.port, 'promo@shop.test', ['tagged@example.com', 'junked@example.com', 'held@example.com'], msg);
      assert.deepEqual(res.rcpts.map((r) => r.code), [250, 250, 250]);
      assert.equal(res.data?.code, 250, res.data?.text);

      const tagged = files(dataDir, 'tagged@example.com');
      assert.equal(tagged.length, 1);
      const th = head(tagged[0]);
      assert.match(th, /^Subject: \[SPAM\] Big offer\r$/m);
      const tbody = fs.readFileSync(tagged[0], 'utf8');
      assert.match(tbody, /\r\n\r\nCe message ressemble à du spam\.\r\n/);
      assert.match(tbody, /Hello there\.\r\n$/);
      assert.equal(files(dataDir, 'tagged@example.com', JUNK_FOLDER).length, 0);

      assert.equal(files(dataDir, 'junked@example.com').length, 0);
      const junk = files(dataDir, 'junked@example.com', JUNK_FOLDER);
      assert.equal(junk.length, 1);
      assert.match(head(junk[0]), /^Subject: Big offer\r$/m, 'Junk copy is not tagged');
      assert.ok(fs.existsSync(path.join(maildirPath(dataDir, 'junked@example.com'), JUNK_FOLDER, 'maildirfolder')));

      assert.equal(files(dataDir, 'held@example.com').length, 0);
      assert.equal(files(dataDir, 'held@example.com', JUNK_FOLDER).length, 0);
      const q = await listQuarantine(db, { mailbox: 'held@example.com' });
      assert.equal(q.total, 1);
      assert.equal(q.rows[0].subject, 'Big offer');
      assert.equal(q.rows[0].mail_from, 'promo@shop.test');
      assert.equal(q.rows[0].header_from, 'promo@shop.test');
      assert.equal(q.rows[0].category, 'spam');

      for (const f of [...tagged, ...junk]) {
        const h = head(f);
        assert.equal(h.match(/^X-Spam-Flag: /gm)?.length, 1, 'the forged X-Spam-Flag was removed');
        assert.match(h, /^X-Spam-Flag: YES\r$/m);
        assert.match(h, /^X-Spam-Score: -?\d+\.\d\r$/m);
        assert.match(h, /^X-Spam-Status: Yes, score=-?\d+\.\d required=-100\.0 tests=[\w.,-]+\r$/m);
        assert.doesNotMatch(h, /forged/);
      }
    });

    it('a message with default-policy recipients only is ham: headers say No, untagged in the INBOX', async () => {
      const res = await sendMessage(haraka.port, 'colleague@partner.test', ['hfrom@example.com'], buildMessage({ from: 'colleague@partner.test', subject: 'Lunch', body: 'See you at noon.\r\n' }));
      assert.equal(res.data?.code, 250);
      const [f] = files(dataDir, 'hfrom@example.com');
      const h = head(f);
      assert.match(h, /^Subject: Lunch\r$/m);
      assert.match(h, /^X-Spam-Flag: NO\r$/m);
      assert.match(h, /^X-Spam-Status: No, score=-?\d+\.\d required=5\.0 tests=/m);
    });

    it('a blocked envelope sender is refused at RCPT for its recipient only (550 5.7.1)', async () => {
      const res = await sendMessage(haraka.port, 'boss@spammer.test', ['blk1@example.com', 'blk2@example.com'], buildMessage({ from: 'boss@spammer.test' }));
      assert.equal(res.rcpts[0].code, 550);
      assert.match(res.rcpts[0].text, /^5\.7\.1 /);
      assert.equal(res.rcpts[1].code, 250);
      assert.equal(res.data?.code, 250);
      assert.equal(files(dataDir, 'blk1@example.com').length + files(dataDir, 'blk1@example.com', JUNK_FOLDER).length, 0);
      assert.equal(files(dataDir, 'blk2@example.com').length, 1);
      // the block is anchored: a look-alike domain passes
      const ok = await sendMessage(haraka.port, 'boss@notspammer.test', ['blk1@example.com'], buildMessage());
      assert.equal(ok.rcpts[0].code, 250);
    });

    it('a blocked header From is spam for that recipient by its policy', async () => {
      const before = files(dataDir, 'hfrom@example.com').length;
      const res = await sendMessage(haraka.port, 'bounces@esp.test', ['hfrom@example.com'], buildMessage({ from: 'Sales <sales@badfrom.test>', subject: 'Deal' }));
      assert.equal(res.data?.code, 250);
      const now = files(dataDir, 'hfrom@example.com');
      assert.equal(now.length, before + 1);
      const newest = now.map((f) => head(f)).find((h) => /Deal/.test(h))!;
      assert.match(newest, /^Subject: \*{5}SPAM\*{5} Deal\r$/m);
    });

    it('an allowed sender skips the spam verdict but not the virus verdict', async () => {
      const scansBefore = clamd.scans;
      // control: the same clean message from someone else is held (threshold -100)
      await sendMessage(haraka.port, 'stranger@allowed.test', ['av@example.com'], buildMessage({ from: 'stranger@allowed.test', subject: 'from a stranger' }));
      assert.equal(files(dataDir, 'av@example.com').length, 0);
      assert.equal((await listQuarantine(db, { mailbox: 'av@example.com', category: 'spam' })).total, 1);

      const clean = await sendMessage(haraka.port, 'friend@allowed.test', ['av@example.com'], buildMessage({ from: 'friend@allowed.test', subject: 'from a friend' }));
      assert.equal(clean.data?.code, 250);
      const inbox = files(dataDir, 'av@example.com');
      assert.equal(inbox.length, 1, 'allowed: delivered to the INBOX');
      assert.match(head(inbox[0]), /^Subject: from a friend\r$/m);

      const infected = buildMessage({ from: 'friend@allowed.test', subject: 'infected', body: `${EICAR}\r\n` });
      const res = await sendMessage(haraka.port, 'friend@allowed.test', ['av@example.com'], infected);
      assert.equal(res.data?.code, 250);
      assert.equal(files(dataDir, 'av@example.com').length, 1, 'the virus did not reach the INBOX');
      assert.equal(files(dataDir, 'av@example.com', JUNK_FOLDER).length, 0);
      const v = await listQuarantine(db, { mailbox: 'av@example.com', category: 'virus' });
      assert.equal(v.total, 1);
      assert.equal(v.rows[0].subject, 'infected');
      assert.ok(v.rows[0].reasons.some((r) => r.rule === 'CLAMD_VIRUS'));
      assert.ok(clamd.scans >= scansBefore + 3, 'clamd scanned every message');
    });

    it('spam is forwarded only where the policy delivers it (tagged), never where it is held', async () => {
      const before = sink.messages.length;
      const res = await sendMessage(haraka.port, 'promo@shop.test', ['fw@strict.test', 'fw@example.com'], buildMessage({ from: 'promo@shop.test', subject: 'Forward me' }));
      assert.equal(res.data?.code, 250);
      const got = (await sink.waitFor(before + 1)).slice(before);
      await new Promise((r) => setTimeout(r, 1500)); // give a wrong second copy time to show up
      assert.equal(sink.messages.length, before + 1);
      assert.deepEqual(got[0].to, ['out-tag@remote.test']);
      assert.match(got[0].raw.toString('utf8'), /^Subject: \[SPAM\] Forward me\r$/m);
    });

    it('refuses at DATA with 550 5.7.1 only when every recipient rejects', async () => {
      const all = await sendMessage(haraka.port, 'promo@shop.test', ['rej1@example.com', 'rej2@example.com'], buildMessage({ subject: 'rejected' }));
      assert.equal(all.data?.code, 550);
      assert.match(all.data!.text, /^5\.7\.1 /);
      assert.equal((await listQuarantine(db, { subject: 'rejected' })).total, 0);

      const mixed = await sendMessage(haraka.port, 'promo@shop.test', ['rej1@example.com', 'keepme@example.com'], buildMessage({ subject: 'half rejected' }));
      assert.equal(mixed.data?.code, 250);
      assert.equal(files(dataDir, 'keepme@example.com').length, 1);
      const held = await listQuarantine(db, { subject: 'half rejected' });
      assert.deepEqual(held.rows.map((r) => r.mailbox), ['rej1@example.com'], 'the rejecting recipient keeps a quarantined copy');
    });

    it('quarantine round trip through the CLI: list, show, release once, delete, purge', async () => {
      const res = await sendMessage(haraka.port, 'promo@shop.test', ['held@example.com'], buildMessage({ from: 'promo@shop.test', subject: 'Round trip', body: 'Line one.\r\n.starts with a dot\r\n' }));
      assert.equal(res.data?.code, 250);
      const listed = JSON.parse(await cli(env, 'quarantine', 'list', '--mailbox', 'held@example.com', '--subject', 'round trip', '--json'));
      assert.equal(listed.total, 1);
      const id = String(listed.rows[0].id);
      const shown = await cli(env, 'quarantine', 'show', id);
      assert.match(shown, /Subject: Round trip/);
      assert.match(shown, /Line one\./);

      assert.match(await cli(env, 'quarantine', 'release', id), /released/);
      const inbox = files(dataDir, 'held@example.com');
      assert.equal(inbox.length, 1, 'exactly one file lands in the Maildir');
      const raw = fs.readFileSync(inbox[0], 'utf8');
      assert.match(raw, /^Return-Path: <promo@shop\.test>\r\nDelivered-To: held@example\.com\r\n/);
      assert.match(raw, /^X-Spam-Flag: NO\r$/m);
      assert.doesNotMatch(raw, /^X-Spam-Flag: YES/m);
      assert.match(raw, /\r\n\r\nLine one\.\r\n\.starts with a dot\r\n$/);
      assert.match(await cli(env, 'quarantine', 'release', id), /already released/);
      assert.equal(files(dataDir, 'held@example.com').length, 1, 'releasing twice does not duplicate');

      const first = JSON.parse(await cli(env, 'quarantine', 'list', '--mailbox', 'held@example.com', '--json'));
      const other = first.rows.find((r: { id: number }) => String(r.id) !== id);
      await cli(env, 'quarantine', 'delete', String(other.id));
      assert.equal(JSON.parse(await cli(env, 'quarantine', 'list', '--mailbox', 'held@example.com', '--json')).total, 1);

      const purged = JSON.parse(await cli(env, 'purge', '--days', '0', '--json'));
      assert.ok(purged.rows >= 1);
      assert.equal(JSON.parse(await cli(env, 'quarantine', 'list', '--json')).total, 0);
      assert.equal(Number((await db('quarantine_messages').count({ n: '*' }))[0].n), 0);
    });

    it('answers 4xx and stores nothing when the quarantine store fails (the sender retries)', async () => {
      await db.schema.renameTable('quarantine', 'quarantine_away');
      try {
        const res = await sendMessage(haraka.port, 'promo@shop.test', ['held@example.com', 'tagged@example.com'], buildMessage({ subject: 'store down' }));
        // a temporary failure (Haraka answers a queue DENYSOFT with 450), never an accept
        assert.equal(Math.floor((res.data?.code ?? 0) / 100), 4, `${res.data?.code} ${res.data?.text}`);
        assert.match(res.data!.text, /^4\.3\.0 /);
        assert.equal(Number((await db('quarantine_messages').count({ n: '*' }))[0].n), 0, 'the transaction left no stored message');
      } finally {
        await db.schema.renameTable('quarantine_away', 'quarantine');
      }
      const again = await sendMessage(haraka.port, 'promo@shop.test', ['held@example.com'], buildMessage({ subject: 'store back' }));
      assert.equal(again.data?.code, 250);
      assert.equal((await listQuarantine(db, { subject: 'store back' })).total, 1);
    });

    it('a message over the quarantine size limit goes to Junk instead', async () => {
      await cli(env, 'quarantine', 'config', '--max-size-kb', '20');
      try {
        const body = `${'y'.repeat(70)}\r\n`.repeat(400); // ~28 KB
        const res = await sendMessage(haraka.port, 'promo@shop.test', ['big@example.com'], buildMessage({ subject: 'large', body }));
        assert.equal(res.data?.code, 250);
        assert.equal(files(dataDir, 'big@example.com', JUNK_FOLDER).length, 1);
        assert.equal((await listQuarantine(db, { mailbox: 'big@example.com' })).total, 0);
      } finally {
        await cli(env, 'quarantine', 'config', '--max-size-kb', String(10 * 1024));
      }
    });
  });
}
