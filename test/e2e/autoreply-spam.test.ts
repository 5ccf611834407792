// Autoresponders and the spam step end to end: no reply when the message is spam for that
// recipient (tagged in the inbox, moved to Junk, quarantined), also when it arrived through an
// alias; a virus (Haraka's clamd plugin against a loopback stand-in for clamd), even from an
// allowed sender; the recipient's own verdict wins over the message-wide X-Spam-Flag (an allowed
// sender is answered); a message released from quarantine is never answered. Real Haraka, real
// SMTP, replies read from the loopback smarthost.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engines, createTestDb, type TestDb, type Engine } from '../helpers/db';
import { startHaraka, type RunningHaraka } from '../helpers/haraka';
import { sendMessage, buildMessage, startSink, type Sink, type Transcript } from '../helpers/smtp';
import { main } from '../../bin/cli';
import { startFakeClamd, clamdIni, EICAR } from '../helpers/clamd';
import { maildirPath, JUNK_FOLDER } from '../../lib/delivery';

const PLUGINS = ['mailhost.loopback_rdns', 'clamd', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver', 'mailhost.autoreply'];
const PASSWORD = 'secret-pass-1';
const D = 'exemple.fr';


async function cli(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { env, out: (s) => out.push(s), err: (s) => err.push(s) });
  assert.equal(code, 0, `mailhost ${argv.join(' ')}: ${err.join(' ')}`);
  return out.join('\n');
}

function count(dataDir: string, address: string, folder?: string): number {
  const root = maildirPath(dataDir, address);
  const dir = path.join(folder ? path.join(root, folder) : root, 'new');
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
}

async function waitUntil<T>(fn: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let n = 0;
const fresh = () => `jean.${++n}@client.test`;

for (const engine of engines()) {
  describe(`autoreply and spam verdicts end to end [${engine}]`, function () {
    this.timeout(60000);
    let t: TestDb;
    let haraka: RunningHaraka;
    let sink: Sink;
    let clamd: Awaited<ReturnType<typeof startFakeClamd>>;
    let dataDir: string;
    let env: NodeJS.ProcessEnv;

    before(async function () {
      this.timeout(120000);
      t = await createTestDb(engine as Engine);
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-e2e-arspam-'));
      env = { MAILHOST_DB: t.url, MAILHOST_DATA: dataDir };
      const c = (...argv: string[]) => cli(env, ...argv);
      await c('migrate');
      await c('domain', 'add', D);
      // threshold -100: every message is spam for these recipients, whatever its score
      await c('policy', 'add', 'tagall', '--threshold=-100', '--action', 'tag');
      await c('policy', 'add', 'junkall', '--threshold=-100', '--action', 'junk');
      await c('policy', 'add', 'holdall', '--threshold=-100', '--action', 'quarantine');
      for (const [box, policy] of [['tagged', 'tagall'], ['junked', 'junkall'], ['held', 'holdall'], ['allowed', 'holdall'], ['ham', '']]) {
        await c('mailbox', 'add', `${box}@${D}`, '--password', PASSWORD);
        if (policy) await c('policy', 'assign', policy, `${box}@${D}`);
        await c('autoreply', 'set', `${box}@${D}`, '--text', `Absent (${box}).`, '--max-per-day', '10');
      }
      await c('alias', 'add', `equipe@${D}`, `tagged@${D}`, `ham@${D}`);
      await c('list', 'add', 'allow', '*@friends.test', '--mailbox', `allowed@${D}`);
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
      await t?.cleanup();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(haraka.log().slice(-6000));
    });

    async function decision(tr: Transcript): Promise<{ sent: number; reasons: string[] }> {
      assert.equal(tr.data?.code, 250, JSON.stringify(tr));
      const uuid = /\(([0-9A-F-]+\.\d+)\)/i.exec(tr.data!.text)![1].replace(/[.]/g, '\\.');
      const done = await waitUntil(() => new RegExp(`${uuid} autoreplies done: (\\d+) sent`).exec(haraka.log()) ?? undefined, 15000, 'the autoreply decision');
      const reasons = [...haraka.log().matchAll(new RegExp(`${uuid} no reply from (\\S+) \\(autoreply \\S+\\): (\\w+)`, 'g'))].map((m) => `${m[1]}:${m[2]}`);
      return { sent: Number(done[1]), reasons: reasons.sort() };
    }

    const repliesTo = (who: string) => sink.messages.filter((m) => m.to.includes(who));
    const send = (from: string, to: string[], subject = 'Bonjour') => sendMessage(haraka.port, from, to, buildMessage({ from, to: to[0], subject }));

    it('ham: the control case replies', async () => {
      const who = fresh();
      assert.deepEqual(await decision(await send(who, [`ham@${D}`])), { sent: 1, reasons: [] });
      await waitUntil(() => (repliesTo(who).length ? true : undefined), 20000, 'the reply');
    });

    it('spam for the recipient - tagged in the inbox, to Junk, quarantined: no reply', async () => {
      const who = fresh();
      const before = { tagged: count(dataDir, `tagged@${D}`), junked: count(dataDir, `junked@${D}`, JUNK_FOLDER) };
      const d = await decision(await send(who, [`tagged@${D}`, `junked@${D}`, `held@${D}`]));
      assert.deepEqual(d, { sent: 0, reasons: [`held@${D}:spam`, `junked@${D}:spam`, `tagged@${D}:spam`] });
      assert.equal(count(dataDir, `tagged@${D}`), before.tagged + 1, 'delivered, tagged');
      assert.equal(count(dataDir, `junked@${D}`, JUNK_FOLDER), before.junked + 1, 'delivered to Junk');
      assert.equal(repliesTo(who).length, 0);
    });

    it('through an alias: the spam recipient stays silent, the ham one replies once', async () => {
      const who = fresh();
      const d = await decision(await send(who, [`equipe@${D}`]));
      assert.deepEqual(d, { sent: 1, reasons: [`tagged@${D}:spam`] });
      const [out] = await waitUntil(() => (repliesTo(who).length ? repliesTo(who) : undefined), 20000, 'the reply');
      assert.match(out.raw.toString('latin1'), /Absent \(ham\)\./);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(repliesTo(who).length, 1);
    });

    it("an allowed sender is answered although the message says X-Spam-Flag: YES for another recipient", async () => {
      const who = `ami.${++n}@friends.test`;
      const d = await decision(await send(who, [`allowed@${D}`, `tagged@${D}`]));
      assert.deepEqual(d, { sent: 1, reasons: [`tagged@${D}:spam`] });
      const [out] = await waitUntil(() => (repliesTo(who).length ? repliesTo(who) : undefined), 20000, 'the reply');
      assert.match(out.raw.toString('latin1'), /Absent \(allowed\)\./);
    });

    it('a virus is never answered, not even from an allowed sender, nor for a recipient with the default policy', async () => {
      const who = `ami.${++n}@friends.test`;
      const msg = buildMessage({ from: who, to: `allowed@${D}`, subject: 'pièce jointe', body: `Voici le fichier.\r\n${EICAR}\r\n` });
      const d = await decision(await sendMessage(haraka.port, who, [`allowed@${D}`, `ham@${D}`], msg));
      assert.deepEqual(d, { sent: 0, reasons: [`allowed@${D}:virus`, `ham@${D}:virus`] });
      assert.equal(repliesTo(who).length, 0);
    });

    it('a message released from quarantine is never answered', async () => {
      const who = fresh();
      const subject = `libération ${n}`;
      await decision(await sendMessage(haraka.port, who, [`held@${D}`], Buffer.from(buildMessage({ from: who, to: `held@${D}`, subject: `=?UTF-8?Q?${encodeURIComponent(subject).replace(/%/g, '=')}?=` }), 'utf8')));
      const listed = JSON.parse(await cli(env, 'quarantine', 'list', '--mailbox', `held@${D}`, '--sender', who, '--json'));
      assert.equal(listed.rows.length, 1, JSON.stringify(listed));
      const before = count(dataDir, `held@${D}`);
      assert.match(await cli(env, 'quarantine', 'release', String(listed.rows[0].id)), /released/);
      assert.equal(count(dataDir, `held@${D}`), before + 1, 'released into the inbox');
      // a control message answered after the release: the queue has drained past it
      const control = fresh();
      assert.equal((await decision(await send(control, [`ham@${D}`]))).sent, 1);
      await waitUntil(() => (repliesTo(control).length ? true : undefined), 20000, 'the control reply');
      assert.equal(repliesTo(who).length, 0);
    });
  });
}
