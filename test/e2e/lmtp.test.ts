// LMTP delivery (MAILHOST_DELIVERY=lmtp://...): real Haraka hands local copies to a real
// Dovecot LMTP, which writes the Maildirs. Nothing lost (Dovecot down or stopped mid-run: 4xx,
// and every 250 has its copy), nothing doubled (a retry after a partial failure skips the
// copies already delivered).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { engines } from '../helpers/db';
import { useMailStack } from '../helpers/e2e';
import type { RunningHaraka } from '../helpers/haraka';
import { sendMessage, buildMessage, type Transcript } from '../helpers/smtp';
import { useDovecot, skipWithoutDovecot, giveToMailUser, MAIL_USER } from '../helpers/dovecot';
import { deliverMessage, finalTargets, maildirPath, type MailhostNotes } from '../../lib/delivery';
import { resolveRecipient, sqlDirectory } from '../../lib/directory';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.deliver'];
const PASSWORD = 'lmtp-pass-1';

/** Every message file of a mailbox folder (new/ and cur/), read. */
function messages(dataDir: string, address: string, folder = ''): string[] {
  const root = path.join(maildirPath(dataDir, address), folder);
  return ['new', 'cur'].flatMap((sub) => {
    const dir = path.join(root, sub);
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')) : [];
  });
}

const withSubject = (all: string[], subject: string) => all.filter((m) => m.includes(`\r\nSubject: ${subject}\r\n`) || m.startsWith(`Subject: ${subject}\r\n`));

for (const engine of engines()) {
  describe(`LMTP delivery to a real Dovecot [${engine}]`, function () {
    this.timeout(180000);
    before(function () {
      skipWithoutDovecot(this);
    });
    let haraka: RunningHaraka;
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      haraka: false,
      async provision({ cli, dataDir, t }) {
        await cli('domain', 'add', 'example.com');
        for (const local of ['jean', 'marie', 'burst', 'down', 'junky', 'full']) await cli('mailbox', 'add', `${local}@example.com`, '--password', PASSWORD);
        await cli('alias', 'add', 'team@example.com', 'jean@example.com', 'marie@example.com');
        giveToMailUser(dataDir, ...(engine === 'sqlite' ? [t.dir] : []));
      },
    });
    const send = (to: string[], subject: string, headers: Record<string, string> = {}): Promise<Transcript> =>
      sendMessage(haraka.port, 'alice@sender.test', to, buildMessage({ to: to[0], subject, headers }));

    const dovecot = useDovecot(stack);
    before(async () => {
      haraka = await stack.startHaraka({ env: { MAILHOST_DELIVERY: `lmtp://127.0.0.1:${dovecot.lmtpPort}` } });
    });

    it('delivers each local copy through Dovecot, once per mailbox, with our trace headers and owned by the mail user', async () => {
      const tr = await send(['jean@example.com', 'team@example.com'], 'via lmtp');
      assert.equal(tr.data?.code, 250, JSON.stringify(tr));
      for (const address of ['jean@example.com', 'marie@example.com']) {
        const copies = withSubject(messages(stack.dataDir, address), 'via lmtp');
        assert.equal(copies.length, 1, address);
        assert.match(copies[0], new RegExp(`^Return-Path: <alice@sender\\.test>\\r\\nDelivered-To: ${address.replace('.', '\\.')}\\r\\nX-Original-To: `));
      }
      // Dovecot wrote them (as the mail user), not us
      const newDir = path.join(maildirPath(stack.dataDir, 'jean@example.com'), 'new');
      const uid = fs.statSync(path.join(newDir, fs.readdirSync(newDir)[0])).uid;
      assert.equal(uid, Number(execFileSync('id', ['-u', MAIL_USER]).toString()));
    });

    it('a junk copy goes to the Junk folder through Dovecot (mailbox+Junk)', async () => {
      const notes: MailhostNotes = { recipients: [], fates: {} };
      const res = await resolveRecipient(sqlDirectory(stack.db), 'junky@example.com');
      assert.equal(res.status, 'local');
      if (res.status !== 'local') return;
      notes.recipients.push({ rcpt: res.recipient, recipient: res.recipient, targets: res.targets });
      const message = Buffer.from(buildMessage({ to: 'junky@example.com', subject: 'junk via lmtp' }));
      const ctx = { db: stack.db, dataDir: stack.dataDir, srsSecret: 'x', sendExternal: async () => undefined, lmtp: { host: '127.0.0.1', port: dovecot.lmtpPort } };
      const [target] = finalTargets(notes);
      notes.fates = { [target.key]: { action: 'junk' } };
      const report = await deliverMessage(ctx, { message, mailFrom: 'spam@sender.test', notes });
      assert.deepEqual(report.local.map((l) => l.folder), ['.Junk']);
      assert.equal(withSubject(messages(stack.dataDir, 'junky@example.com', '.Junk'), 'junk via lmtp').length, 1);
      assert.equal(withSubject(messages(stack.dataDir, 'junky@example.com'), 'junk via lmtp').length, 0);
    });

    it('Dovecot down: 4xx and nothing stored; back up, the retry delivers once', async () => {
      await dovecot.stop();
      try {
        const tr = await send(['down@example.com'], 'while down');
        assert.equal(tr.rcpts[0].code, 250);
        assert.equal(Math.floor((tr.data?.code ?? 0) / 100), 4, JSON.stringify(tr));
        assert.equal(messages(stack.dataDir, 'down@example.com').length, 0);
      } finally {
        await dovecot.start();
      }
      const tr = await send(['down@example.com'], 'while down');
      assert.equal(tr.data?.code, 250);
      assert.equal(withSubject(messages(stack.dataDir, 'down@example.com'), 'while down').length, 1);
    });

    it('Dovecot stopped mid-run: every 250 has its copy; the 4xx ones, sent again, arrive once', async () => {
      const N = 24;
      const codes: number[] = [];
      let stopping: Promise<void> | undefined;
      for (let i = 0; i < N; i++) {
        const tr = await send(['burst@example.com'], `burst ${i}`);
        codes.push(tr.data?.code ?? 0);
        // stop after the 8th answer, while the next messages are on their way
        if (i === 7) stopping = dovecot.stop();
      }
      await stopping;
      const all = messages(stack.dataDir, 'burst@example.com');
      for (let i = 0; i < N; i++) {
        const n = withSubject(all, `burst ${i}`).length;
        if (codes[i] === 250) assert.equal(n, 1, `message ${i} answered 250 but has ${n} copies`);
        else assert.equal(Math.floor(codes[i] / 100), 4, `message ${i}: ${codes[i]}`);
      }
      assert.ok(codes.slice(0, 8).every((c) => c === 250));
      assert.ok(codes.some((c) => c !== 250), 'some messages met the stopped Dovecot');
      await dovecot.start();
      for (let i = 0; i < N; i++) {
        if (codes[i] === 250) continue;
        assert.equal((await send(['burst@example.com'], `burst ${i}`)).data?.code, 250);
      }
      const after = messages(stack.dataDir, 'burst@example.com');
      for (let i = 0; i < N; i++) assert.equal(withSubject(after, `burst ${i}`).length, 1, `burst ${i}`);
    });

    it('a copy refused after another was delivered: 4xx, and the retry does not deliver the first one twice', async () => {
      // Dovecot's own quota refuses full@ (4xx, quota_full_tempfail) while our counter still lets it in
      await stack.cli('mailbox', 'set', 'full@example.com', '--quota-mb', '1');
      const md = maildirPath(stack.dataDir, 'full@example.com');
      for (const sub of ['new', 'cur', 'tmp']) fs.mkdirSync(path.join(md, sub), { recursive: true });
      fs.writeFileSync(path.join(md, 'cur', '1700000000.big.host:2,S'), `Subject: big\r\n\r\n${'x'.repeat(1100 * 1024)}\r\n`);
      giveToMailUser(stack.dataDir);
      const tr = await send(['jean@example.com', 'full@example.com'], 'partial', { 'Message-ID': '<partial-1@sender.test>' });
      assert.equal(Math.floor((tr.data?.code ?? 0) / 100), 4, JSON.stringify(tr));
      assert.equal(withSubject(messages(stack.dataDir, 'jean@example.com'), 'partial').length, 1, 'jean got it before full@ was refused');
      assert.equal(withSubject(messages(stack.dataDir, 'full@example.com'), 'partial').length, 0);
      // room made: the sender's retry (same Message-ID) completes full@ only
      await stack.cli('mailbox', 'set', 'full@example.com', '--quota-mb', '0');
      const again = await send(['jean@example.com', 'full@example.com'], 'partial', { 'Message-ID': '<partial-1@sender.test>' });
      assert.equal(again.data?.code, 250, JSON.stringify(again));
      assert.equal(withSubject(messages(stack.dataDir, 'jean@example.com'), 'partial').length, 1, 'not doubled');
      assert.equal(withSubject(messages(stack.dataDir, 'full@example.com'), 'partial').length, 1);
      // the memory of the partial delivery is gone once the message is through
      const memory = path.join(stack.dataDir, 'lmtp-partial');
      assert.deepEqual(fs.existsSync(memory) ? fs.readdirSync(memory) : [], []);
    });
  });
}
