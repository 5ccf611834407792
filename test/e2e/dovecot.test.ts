// Debian's Dovecot, configured by `mailhost dovecot config`, reads our database and Maildirs:
// real Haraka delivers, real Dovecot authenticates from our table and serves the message over
// IMAP, and moving a message into or out of Junk trains the domain's Bayes filter.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { engines } from '../helpers/db';
import { useMailStack, waitUntil } from '../helpers/e2e';
import { sendMessage, buildMessage } from '../helpers/smtp';
import { ImapClient, quoted } from '../helpers/imap';
import { useDovecot, skipWithoutDovecot, giveToMailUser } from '../helpers/dovecot';
import { getDomain, updateDomain, updateMailbox } from '../../lib/directory';
import { bayesTotals } from '../../lib/spam';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.deliver'];
const PASSWORD = 'imap-pass-1';

async function login(port: number, user: string, password: string): Promise<ImapClient> {
  const c = await ImapClient.connect(port);
  await c.ok(`LOGIN ${quoted(user)} ${quoted(password)}`);
  return c;
}

/** The IMAP answer to LOGIN: OK or NO. */
async function loginStatus(port: number, user: string, password: string): Promise<string> {
  const c = await ImapClient.connect(port);
  try {
    return (await c.command(`LOGIN ${quoted(user)} ${quoted(password)}`)).status;
  } finally {
    await c.logout();
  }
}

for (const engine of engines()) {
  describe(`Dovecot reads our database [${engine}]`, function () {
    this.timeout(120000);
    before(function () {
      skipWithoutDovecot(this);
    });
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      async provision({ cli, dataDir, t }) {
        await cli('domain', 'add', 'example.com');
        await cli('domain', 'add', 'off.test');
        for (const local of ['jean', 'marie', 'off', 'pw', 'trainer']) await cli('mailbox', 'add', `${local}@example.com`, '--password', PASSWORD);
        await cli('mailbox', 'add', 'paul@off.test', '--password', PASSWORD);
        await cli('mailbox', 'set', 'off@example.com', '--active', 'no');
        // Dovecot reads and writes mail as the owner of the data dir, never as root
        giveToMailUser(dataDir, ...(engine === 'sqlite' ? [t.dir] : []));
      },
    });
    const dovecot = useDovecot(stack);

    it('doveadm auth test passes for a mailbox made by the CLI, fails for a wrong password, an inactive mailbox and a mailbox of an inactive domain', async () => {
      // each attempt from its own (documentation) address: Dovecot's per-address penalty after
      // failures would otherwise slow every later attempt
      let n = 0;
      const authTest = (user: string, pw: string) => dovecot.doveadm('auth', 'test', '-x', `rip=192.0.2.${++n}`, user, pw);
      const ok = authTest('jean@example.com', PASSWORD);
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /auth succeeded/);
      // the login is lower-cased as our addresses are
      assert.equal(authTest('Jean@Example.COM', PASSWORD).code, 0);
      for (const [user, pw] of [
        ['jean@example.com', 'wrong-pass-1'],
        ['off@example.com', PASSWORD],
        ['nobody@example.com', PASSWORD],
      ]) {
        const r = authTest(user, pw);
        assert.notEqual(r.code, 0, `${user}: ${r.out}`);
        assert.match(r.out, /auth failed/);
      }
      assert.equal(authTest('paul@off.test', PASSWORD).code, 0);
      await updateDomain(stack.db, (await getDomain(stack.db, 'off.test')).id, { active: false });
      assert.notEqual(authTest('paul@off.test', PASSWORD).code, 0);
      // and the user lookup gives our Maildir and quota
      await stack.cli('mailbox', 'set', 'marie@example.com', '--quota-mb', '5');
      const user = dovecot.doveadm('user', 'marie@example.com');
      assert.equal(user.code, 0, user.out);
      assert.match(user.out, new RegExp(`home\\s+${stack.dataDir}/mail/example.com/marie\\n`));
      assert.match(user.out, /quota_rule\s+\*:storage=5M/);
    });

    it('an IMAP client fetches, byte for byte, the message Haraka delivered', async () => {
      const message = buildMessage({ to: 'jean@example.com', subject: 'Bonjour Jean', body: 'Accents: é à ç, and a line\r\n.with a dot\r\n' });
      const tr = await sendMessage(stack.haraka.port, 'alice@sender.test', ['jean@example.com'], Buffer.from(message, 'utf8'));
      assert.equal(tr.data?.code, 250, JSON.stringify(tr));
      const [file] = await waitUntil(() => (stack.maildir('jean@example.com').length ? stack.maildir('jean@example.com') : undefined), 10000, 'the Maildir copy');
      const onDisk = fs.readFileSync(file);
      const c = await login(dovecot.imapPort, 'jean@example.com', PASSWORD);
      try {
        const sel = await c.ok('SELECT INBOX');
        assert.ok(sel.lines.includes('* 1 EXISTS'), sel.lines.join('\n'));
        const f = await c.ok('FETCH 1 BODY.PEEK[]');
        assert.equal(f.literals.length, 1);
        assert.ok(f.literals[0].equals(onDisk), 'IMAP gives the bytes Haraka wrote');
        assert.ok(f.literals[0].includes(Buffer.from('Accents: é à ç, and a line\r\n.with a dot\r\n')));
        assert.match(f.literals[0].toString('utf8'), /^Return-Path: <alice@sender\.test>\r\nDelivered-To: jean@example\.com\r\n/);
      } finally {
        await c.logout();
      }
    });

    it('a mailbox password changed as the admin does it works for IMAP at once; the old one does not', async () => {
      assert.equal(await loginStatus(dovecot.imapPort, 'pw@example.com', PASSWORD), 'OK');
      await updateMailbox(stack.db, 'pw@example.com', { password: 'brand-new-pass-2' });
      assert.equal(await loginStatus(dovecot.imapPort, 'pw@example.com', 'brand-new-pass-2'), 'OK');
      assert.equal(await loginStatus(dovecot.imapPort, 'pw@example.com', PASSWORD), 'NO');
      // deactivated: refused at once too
      await updateMailbox(stack.db, 'pw@example.com', { active: false });
      assert.equal(await loginStatus(dovecot.imapPort, 'pw@example.com', 'brand-new-pass-2'), 'NO');
    });

    it('an IMAP MOVE into Junk teaches the domain filter spam; out of Junk teaches ham', async () => {
      const domainId = (await getDomain(stack.db, 'example.com')).id;
      const message = buildMessage({ to: 'trainer@example.com', subject: 'Cheap pills and casino bonus', body: 'Win a free casino bonus with cheap pills today.\r\n' });
      const tr = await sendMessage(stack.haraka.port, 'spammer@sender.test', ['trainer@example.com'], message);
      assert.equal(tr.data?.code, 250);
      await waitUntil(() => (stack.maildir('trainer@example.com').length ? true : undefined), 10000, 'the Maildir copy');
      const before = await bayesTotals(stack.db, domainId);
      const globalBefore = await bayesTotals(stack.db, 'global');
      const c = await login(dovecot.imapPort, 'trainer@example.com', PASSWORD);
      try {
        await c.ok('SELECT INBOX');
        // IMAPSieve runs the learn program before MOVE answers: the lesson is in when it does
        await c.ok('MOVE 1 Junk');
        const asSpam = await bayesTotals(stack.db, domainId);
        assert.equal(asSpam.spam, before.spam + 1);
        assert.equal(asSpam.ham, before.ham);
        assert.ok(asSpam.tokens > before.tokens, 'the message taught tokens');
        assert.deepEqual(await bayesTotals(stack.db, 'global'), globalBefore, 'the domain filter learns, not the global one');
        // the message is in .Junk on disk, where our own junk deliveries go
        assert.equal(stack.maildir('trainer@example.com', '.Junk', 'cur').length + stack.maildir('trainer@example.com', '.Junk').length, 1);

        await c.ok('SELECT Junk');
        await c.ok('MOVE 1 INBOX');
        const asHam = await bayesTotals(stack.db, domainId);
        // the same message moved from spam to ham: counted once, on the ham side
        assert.equal(asHam.spam, before.spam);
        assert.equal(asHam.ham, before.ham + 1);
      } finally {
        await c.logout();
      }
    });
  });
}
