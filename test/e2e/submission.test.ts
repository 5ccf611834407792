// End to end over real SMTP with real Haraka: the submission port (STARTTLS then AUTH against the
// mailbox password), DKIM-signed mail reaching the loopback smarthost with a signature that
// verifies, no unauthenticated relay, no forged sender, failed logins throttled, the hourly and
// daily limits (4xx), and a spamming mailbox suspended, notified, refused at AUTH and lifted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { engines } from '../helpers/db';
import { useMailStack, waitUntil } from '../helpers/e2e';
import { SmtpClient, buildMessage, sendMessage, type Reply } from '../helpers/smtp';
import { verifyDkim } from '../helpers/dkim';
import { createAccount } from '../../lib/accounts';
import { getDomain, updateDomain, updateMailbox } from '../../lib/directory';

const PLUGINS = ['tls', 'mailhost.loopback_rdns', 'mailhost.limits', 'mailhost.auth', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver', 'mailhost.dkim'];
const PASSWORD = 'secret-pass-1';
const SPAM_STRIKES = 2;

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');
const code = (r: Reply) => `${r.code} ${r.text.slice(0, r.text.indexOf(' ') > 0 ? r.text.indexOf(' ') : undefined)}`;

const SPAM_BODY =
  '<html><body><p>CONGRATULATIONS!!! You have WON the LOTTERY. Claim your FREE prize now, 100% GUARANTEED, no risk. ' +
  'Click here: <a href="http://192.168.1.1/claim">http://paypal.com/claim</a>. Buy cheap viagra, cialis. Act now! ' +
  'Limited time offer!</p></body></html>';

for (const engine of engines()) {
  describe(`submission end to end [${engine}]`, function () {
    this.timeout(90000);
    let dnsRecords: Record<string, string> = {};
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      configFiles: { 'mailhost.ini': `[main]\nsend_spam_strikes=${SPAM_STRIKES}\nsend_suspend_hours=72\n` },
      async provision({ cli: c, db }) {
        await c('migrate');
        await c('domain', 'add', 'example.com');
        for (const local of ['jean', 'alice', 'bob', 'carol', 'locked', 'spammer', 'off']) await c('mailbox', 'add', `${local}@example.com`, '--password', PASSWORD);
        await c('mailbox', 'set', 'off@example.com', '--active', 'no');
        await c('alias', 'add', 'sales@example.com', 'alice@example.com');
        await c('alias', 'add', 'team@example.com', 'alice@example.com', 'bob@example.com');
        await c('alias', 'add', 'fwd@example.com', 'far@remote.test');
        await c('sending', 'limits', 'bob@example.com', '--per-hour', '1');
        await c('sending', 'limits', 'carol@example.com', '--rcpt-per-day', '2');
        await c('dkim', 'add', 'example.com', '--selector', 's1', '--bits', '1024');
        const rec = JSON.parse(await c('dkim', 'show', 'example.com', '--json')) as { name: string; value: string };
        dnsRecords = { [rec.name]: rec.value };
        // where the suspension notice goes: the owner's recovery address and the domain's client
        await updateMailbox(db, 'spammer@example.com', { recoveryEmail: 'owner@home.test' });
        const { account } = await createAccount(db, { username: 'client1', role: 'client', password: PASSWORD, email: 'client@isp.test' });
        await updateDomain(db, (await getDomain(db, 'example.com')).id, { clientId: account.id });
      },
    });

    /** A session on the submission port: EHLO, STARTTLS, EHLO again; logged in when `user` is given. */
    async function session(user?: string, pass = PASSWORD): Promise<{ c: SmtpClient; auth?: Reply }> {
      const c = await SmtpClient.connect(stack.haraka.submissionPort);
      await c.cmd('EHLO client.test');
      assert.equal((await c.startTls()).code, 220);
      await c.cmd('EHLO client.test');
      if (!user) return { c };
      return { c, auth: await c.cmd(`AUTH PLAIN ${plain(user, pass)}`) };
    }

    async function send(c: SmtpClient, from: string, to: string[], message: string): Promise<{ mail: Reply; rcpts: Reply[]; data?: Reply }> {
      const mail = await c.cmd(`MAIL FROM:<${from}>`);
      const rcpts: Reply[] = [];
      if (mail.code === 250) for (const r of to) rcpts.push(await c.cmd(`RCPT TO:<${r}>`));
      const data = rcpts.some((r) => r.code === 250) ? await c.data(message) : undefined;
      if (!data || data.code !== 250) await c.cmd('RSET');
      return { mail, rcpts, data };
    }

    const sinkFor = (rcpt: string) => waitUntil(() => stack.sink.messages.find((m) => m.to.includes(rcpt)), 20000, `a message to ${rcpt} at the sink`);

    it('offers STARTTLS, and AUTH only once TLS is on; AUTH before STARTTLS is refused (538)', async () => {
      const c = await SmtpClient.connect(stack.haraka.submissionPort);
      try {
        const ehlo = await c.cmd('EHLO client.test');
        assert.match(ehlo.text, /STARTTLS/);
        assert.doesNotMatch(ehlo.text, /AUTH/);
        assert.equal(code(await c.cmd(`AUTH PLAIN ${plain('alice@example.com', PASSWORD)}`)), '538 5.7.11');
        assert.equal(code(await c.cmd('MAIL FROM:<alice@example.com>')), '530 5.7.0');
        assert.equal((await c.startTls()).code, 220);
        assert.match((await c.cmd('EHLO client.test')).text, /AUTH PLAIN LOGIN/);
      } finally {
        await c.quit();
      }
      // the MX port never offers AUTH
      const mx = await SmtpClient.connect(stack.haraka.port);
      try {
        assert.doesNotMatch((await mx.cmd('EHLO client.test')).text, /AUTH/);
      } finally {
        await mx.quit();
      }
    });

    it('an authenticated mailbox relays over STARTTLS, DKIM-signed with a signature that verifies', async () => {
      const { c, auth } = await session('alice@example.com');
      try {
        assert.equal(code(auth!), '235 2.7.0');
        const msg = buildMessage({ from: 'Alice <alice@example.com>', to: 'friend@remote.test', subject: 'hello from alice', body: 'Caf\u00e9 ?\r\n' });
        const tr = await send(c, 'alice@example.com', ['friend@remote.test'], msg);
        assert.equal(tr.data?.code, 250, JSON.stringify(tr));
      } finally {
        await c.quit();
      }
      const got = await sinkFor('friend@remote.test');
      assert.equal(got.from, 'alice@example.com');
      const head = got.raw.subarray(0, got.raw.indexOf('\r\n\r\n')).toString();
      assert.match(head, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.com;/m);
      const v = await verifyDkim(got.raw, dnsRecords);
      assert.equal(v.result, 'pass', JSON.stringify(v));
      assert.deepEqual(v.results.map((r) => [r.domain, r.selector, r.result]), [['example.com', 's1', 'pass']]);
    });

    it('AUTH LOGIN and the implicit-TLS port work; an alias reaching only the mailbox is its own sender', async () => {
      const c = await SmtpClient.connectTls(stack.haraka.submissionTlsPort);
      try {
        assert.match((await c.cmd('EHLO client.test')).text, /AUTH PLAIN LOGIN/);
        assert.equal((await c.cmd('AUTH LOGIN')).code, 334);
        assert.equal((await c.cmd(Buffer.from('alice@example.com').toString('base64'))).code, 334);
        assert.equal(code(await c.cmd(Buffer.from(PASSWORD).toString('base64'))), '235 2.7.0');
        const tr = await send(c, 'sales@example.com', ['buyer@remote.test'], buildMessage({ from: 'sales@example.com', to: 'buyer@remote.test' }));
        assert.equal(tr.data?.code, 250, JSON.stringify(tr));
      } finally {
        await c.quit();
      }
      const got = await sinkFor('buyer@remote.test');
      assert.equal((await verifyDkim(got.raw, dnsRecords)).result, 'pass');
    });

    it('a forward (SRS sender of ours) is DKIM-signed with our domain\'s key', async () => {
      const tr = await sendMessage(stack.haraka.port, 'someone@sender.test', ['fwd@example.com'], buildMessage({ from: 'someone@sender.test', to: 'fwd@example.com', subject: 'forward me' }));
      assert.equal(tr.data?.code, 250, JSON.stringify(tr));
      const got = await sinkFor('far@remote.test');
      assert.match(got.from, /^SRS0=.*@example\.com$/i);
      const v = await verifyDkim(got.raw, dnsRecords);
      assert.deepEqual(v.results.map((r) => [r.domain, r.result]), [['example.com', 'pass']]);
    });

    it('refuses unauthenticated relay on both ports, and forged senders (553 5.7.1)', async () => {
      const { c } = await session();
      try {
        assert.equal(code(await c.cmd('MAIL FROM:<alice@example.com>')), '530 5.7.0');
      } finally {
        await c.quit();
      }
      const mx = await SmtpClient.connect(stack.haraka.port);
      try {
        await mx.cmd('EHLO client.test');
        await mx.cmd('MAIL FROM:<alice@example.com>');
        assert.equal(code(await mx.cmd('RCPT TO:<victim@remote.test>')), '550 5.7.1');
      } finally {
        await mx.quit();
      }
      const a = await session('alice@example.com');
      try {
        // another mailbox, a group that also reaches bob, a foreign domain
        for (const from of ['jean@example.com', 'team@example.com', 'ceo@bank.test']) assert.equal(code((await send(a.c, from, ['x@remote.test'], 'x')).mail), '553 5.7.1', from);
        // her own envelope, somebody else's header From
        const tr = await send(a.c, 'alice@example.com', ['x@remote.test'], buildMessage({ from: 'Jean <jean@example.com>', to: 'x@remote.test' }));
        assert.equal(code(tr.data!), '553 5.7.1');
      } finally {
        await a.c.quit();
      }
      assert.equal(stack.sink.messages.filter((m) => m.to.includes('x@remote.test')).length, 0);
    });

    it('wrong passwords are refused, then the account is throttled even with the right one; inactive mailboxes cannot log in', async () => {
      for (let i = 0; i < 5; i++) {
        const { c, auth } = await session('locked@example.com', 'wrong-password');
        await c.quit();
        assert.equal(code(auth!), '535 5.7.8');
      }
      const { c, auth } = await session('locked@example.com');
      await c.quit();
      assert.equal(code(auth!), '454 4.7.0');
      const off = await session('off@example.com');
      await off.c.quit();
      assert.equal(code(off.auth!), '535 5.7.8');
    });

    it('a mailbox over its hourly or daily limit gets 451 4.7.1', async () => {
      const b = await session('bob@example.com');
      try {
        const first = await send(b.c, 'bob@example.com', ['r1@remote.test'], buildMessage({ from: 'bob@example.com', to: 'r1@remote.test' }));
        assert.equal(first.data?.code, 250);
        const second = await send(b.c, 'bob@example.com', ['r2@remote.test'], buildMessage({ from: 'bob@example.com', to: 'r2@remote.test' }));
        assert.equal(code(second.mail), '451 4.7.1');
        assert.match(second.mail.text, /1 messages per hour/);
      } finally {
        await b.c.quit();
      }
      const c = await session('carol@example.com');
      try {
        const tr = await send(c.c, 'carol@example.com', ['d1@remote.test', 'd2@remote.test', 'd3@remote.test'], buildMessage({ from: 'carol@example.com' }));
        assert.deepEqual(tr.rcpts.map((r) => r.code), [250, 250, 451]);
        assert.equal(code(tr.rcpts[2]), '451 4.7.1');
        assert.match(tr.rcpts[2].text, /2 recipients per 24 hours/);
        assert.equal(tr.data?.code, 250);
        const more = await send(c.c, 'carol@example.com', ['d4@remote.test'], buildMessage({ from: 'carol@example.com' }));
        assert.equal(code(more.rcpts[0]), '451 4.7.1');
      } finally {
        await c.c.quit();
      }
    });

    it('a mailbox sending spam is suspended: notice to its owner and client, AUTH refused, lifted by an admin', async () => {
      const s = await session('spammer@example.com');
      try {
        assert.equal(s.auth!.code, 235);
        for (let i = 0; i < SPAM_STRIKES; i++) {
          const msg = buildMessage({ from: 'spammer@example.com', to: `victim${i}@remote.test`, subject: 'URGENT!!! You WON $1,000,000 - CLAIM NOW!!!', headers: { 'Content-Type': 'text/html' }, body: SPAM_BODY });
          const tr = await send(s.c, 'spammer@example.com', [`victim${i}@remote.test`], msg);
          assert.equal(code(tr.data!), '550 5.7.1', JSON.stringify(tr));
        }
        // suspended within the session too
        assert.equal(code((await send(s.c, 'spammer@example.com', ['x@remote.test'], 'x')).mail), '550 5.7.1');
      } finally {
        await s.c.quit();
      }
      // one copy per recipient domain
      const notice = await sinkFor('owner@home.test');
      await sinkFor('client@isp.test');
      assert.equal(notice.from, '');
      assert.match(notice.raw.toString(), /Subject: Sending suspended for spammer@example\.com/);
      assert.equal((await verifyDkim(notice.raw, dnsRecords)).result, 'pass');
      assert.equal(stack.sink.messages.filter((m) => m.to.some((t) => t.startsWith('victim'))).length, 0);

      const refused = await session('spammer@example.com');
      await refused.c.quit();
      assert.equal(code(refused.auth!), '535 5.7.1');
      assert.match(refused.auth!.text, /suspended until .* UTC/);
      assert.match(await stack.cli('sending', 'show', 'spammer@example.com'), /sending suspended until/);

      await stack.cli('mailbox', 'set', 'spammer@example.com', '--sending', 'ok');
      const again = await session('spammer@example.com');
      try {
        assert.equal(again.auth!.code, 235);
        const tr = await send(again.c, 'spammer@example.com', ['fine@remote.test'], buildMessage({ from: 'spammer@example.com', to: 'fine@remote.test', subject: 'sorry' }));
        assert.equal(tr.data?.code, 250);
      } finally {
        await again.c.quit();
      }
      await sinkFor('fine@remote.test');
    });

    it('made a self-signed certificate in the data dir, key 0600', () => {
      const key = path.join(stack.dataDir, 'tls', 'self-signed.key');
      assert.equal(fs.statSync(key).mode & 0o777, 0o600);
      assert.match(fs.readFileSync(path.join(stack.dataDir, 'tls', 'self-signed.crt'), 'utf8'), /BEGIN CERTIFICATE/);
      assert.doesNotMatch(stack.haraka.log(), /could not be loaded/);
    });
  });
}
