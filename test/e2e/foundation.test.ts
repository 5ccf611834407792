// End to end: real Haraka on a loopback port with a fresh database, provisioned through the
// `mailhost` CLI, real SMTP in, Maildir files and a loopback smarthost (sink) out.
// One Haraka per describe block; each test uses its own mailboxes so counts stay exact.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { engines } from '../helpers/db';
import { useMailStack, waitUntil } from '../helpers/e2e';
import { sendMessage, buildMessage, SmtpClient, type Reply } from '../helpers/smtp';
import { openDb } from '../../lib/core';

// the foundation chain (other plugins of config/plugins are tested by their own suites)
const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.deliver'];
const PASSWORD = 'secret-pass-1';

const read = (f: string) => fs.readFileSync(f);
const code = (r: Reply) => `${r.code} ${r.text.slice(0, 5)}`;

/** header block and body of a raw message */
function split(raw: Buffer): { head: string; body: Buffer } {
  const i = raw.indexOf('\r\n\r\n');
  return { head: raw.subarray(0, i + 2).toString('utf8'), body: raw.subarray(i + 4) };
}

async function rcptOnce(port: number, rcpt: string, from = 'alice@sender.test'): Promise<Reply> {
  const c = await SmtpClient.connect(port);
  try {
    await c.cmd('EHLO test.example');
    await c.cmd(`MAIL FROM:<${from}>`);
    return await c.cmd(`RCPT TO:<${rcpt}>`);
  } finally {
    await c.quit();
  }
}

for (const engine of engines()) {
  describe(`foundation end to end [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      async provision({ cli: c }) {
        await c('migrate');
        await c('domain', 'add', 'example.com');
        await c('domain', 'add', 'other.test');
        await c('domain', 'add', 'exämple.fr');
        await c('domain-alias', 'add', 'alias.test', 'example.com');
        // jean is the first mailbox of example.com: postmaster@ goes there
        for (const local of ['jean', 'multi', 'body', 'dots', 'dotskeep', 'dup', 'sub', 'viaalias', 'fwd', 'keep', 'loopme', 'off', 'full', 'catch']) {
          await c('mailbox', 'add', `${local}@example.com`, '--password', PASSWORD);
        }
        await c('mailbox', 'add', 'exact@other.test', '--password', PASSWORD);
        await c('mailbox', 'add', 'jean@exämple.fr', '--password', PASSWORD);
        await c('mailbox', 'set', 'off@example.com', '--active', 'no');
        await c('mailbox', 'set', 'full@example.com', '--quota-mb', '1');
        await c('mailbox', 'set', 'fwd@example.com', '--redirect', 'out@remote.test');
        await c('mailbox', 'set', 'keep@example.com', '--redirect', 'out-keep@remote.test', '--keep-copy', 'yes');
        await c('mailbox', 'set', 'dotskeep@example.com', '--redirect', 'out-dots@remote.test', '--keep-copy', 'yes');
        await c('alias', 'add', 'info@example.com', 'dup@example.com');
        await c('alias', 'add', 'team@example.com', 'dup@example.com', 'info@example.com');
        await c('alias', 'add', 'group@example.com', 'multi@example.com', 'full@example.com');
        await c('alias', 'add', 'la@example.com', 'lb@example.com');
        await c('alias', 'add', 'lb@example.com', 'la@example.com');
        await c('alias', 'add', '*@other.test', 'catch@example.com');
      },
    });
    it('a full mailbox: accepted until the quota is used, then 452 4.2.2', async () => {
      const big = buildMessage({ to: 'full@example.com', body: `${'x'.repeat(998)}\r\n`.repeat(1100) });
      const first = await sendMessage(stack.haraka.port, 'alice@sender.test', ['full@example.com'], big);
      assert.equal(first.rcpts[0].code, 250);
      assert.equal(first.data?.code, 250);
      assert.equal(stack.maildir('full@example.com').length, 1);
      const again = await rcptOnce(stack.haraka.port, 'full@example.com');
      assert.equal(code(again), '452 4.2.2');
    });

    it('answers each recipient of one transaction with its own code', async () => {
      const rcpts = [
        ['multi@example.com', '250'],
        ['ghost@example.com', '550 5.1.1'],
        ['off@example.com', '550 5.2.1'],
        ['full@example.com', '452 4.2.2'],
        ['someone@notours.test', '550 5.7.1'],
        ['la@example.com', '550 5.4.6'],
        ['MULTI@Alias.Test', '250'],
        ['group@example.com', '250'],
      ];
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', rcpts.map((r) => r[0]), buildMessage({ to: 'multi@example.com' }));
      assert.equal(res.mail.code, 250);
      res.rcpts.forEach((r, i) => {
        const want = rcpts[i][1];
        assert.equal(want.length === 3 ? String(r.code) : code(r), want, `${rcpts[i][0]}: ${r.code} ${r.text}`);
      });
      assert.equal(res.data?.code, 250);
      // multi@ reached three ways (direct, domain alias, alias whose other member is full): one copy
      assert.equal(stack.maildir('multi@example.com').length, 1);
      assert.equal(stack.maildir('full@example.com').length, 1, 'the full member got nothing more');
      assert.equal(stack.maildir('off@example.com').length, 0);
    });

    it('malformed recipients get 501/553, never an accept', async () => {
      for (const bad of ['a..b@example.com', 'jean@exa_mple.com', 'jean@']) {
        const r = await rcptOnce(stack.haraka.port, bad);
        assert.ok([501, 553].includes(r.code), `${bad}: ${r.code} ${r.text}`);
      }
    });

    it('writes the message into new/ with Delivered-To, X-Original-To and the body intact (8-bit)', async () => {
      const body = 'Bonjour Jean,\r\nÉté à Noël: 8-bit text\r\n\r\n  indented\r\n-- \r\nbye\r\n';
      const msg = Buffer.from(buildMessage({ to: 'body@example.com', subject: 'contents', body }), 'utf8');
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['Body@Example.com'], msg);
      assert.equal(res.data?.code, 250);
      const files = stack.maildir('body@example.com');
      assert.equal(files.length, 1);
      assert.deepEqual(stack.maildir('body@example.com', '', 'tmp'), []);
      const raw = read(files[0]);
      const { head, body: got } = split(raw);
      assert.match(head, /^Return-Path: <alice@sender\.test>\r\nDelivered-To: body@example\.com\r\nX-Original-To: body@example\.com\r\n/);
      assert.match(head, /^Subject: contents\r$/m);
      assert.match(head, /^Received: /m);
      assert.equal(got.toString('utf8'), body);
      assert.match(path.basename(files[0]), new RegExp(`,S=${raw.length}$`));
    });

    it(
      'lines starting with "." are stored un-stuffed in the Maildir, also for a keep-copy forward',
      async () => {
        const body = '.a line starting with a dot\r\n..two dots\r\n.\r\nend\r\n';
        const before = stack.sink.messages.length;
        const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['dots@example.com', 'dotskeep@example.com'], buildMessage({ body }));
        assert.equal(res.data?.code, 250);
        for (const a of ['dots@example.com', 'dotskeep@example.com']) {
          const [f] = stack.maildir(a);
          assert.equal(split(read(f)).body.toString('utf8'), body, a);
        }
        // the quota warning of the earlier test may reach the same smarthost meanwhile
        const out = await stack.sink.waitForRecipient('out-dots@remote.test', before);
        assert.equal(split(out.raw).body.toString('utf8'), body, 'forwarded copy intact too');
      },
    );

    it('an 8-bit ISO-8859-1 message keeps every byte, in the Maildir and in the forwarded copy', async () => {
      const body = Buffer.from('D\xe9j\xe0 vu : \xe7a co\xfbte 5 \xa4, r\xe9ponse \xe0 No\xebl.\r\n.point\r\n', 'latin1');
      const head = 'From: alice@sender.test\r\nTo: dotskeep@example.com\r\nSubject: caf\xe9\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n';
      const before = stack.sink.messages.length;
      const earlier = new Set(stack.maildir('dotskeep@example.com'));
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['dotskeep@example.com'], Buffer.concat([Buffer.from(head, 'latin1'), body]));
      assert.equal(res.data?.code, 250);
      const files = stack.maildir('dotskeep@example.com').filter((f) => !earlier.has(f));
      assert.equal(files.length, 1);
      assert.ok(split(read(files[0])).body.equals(body), 'Maildir copy intact');
      const out = await stack.sink.waitForRecipient('out-dots@remote.test', before);
      assert.ok(split(out.raw).body.equals(body), `forwarded copy intact: ${split(out.raw).body.toString('latin1')}`);
    });

    it('delivers exactly one file when one mailbox is reached by several recipients and paths', async () => {
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['dup@example.com', 'info@example.com', 'team@example.com', 'DUP@alias.test'], buildMessage());
      assert.deepEqual(res.rcpts.map((r) => r.code), [250, 250, 250, 250]);
      assert.equal(res.data?.code, 250);
      const files = stack.maildir('dup@example.com');
      assert.equal(files.length, 1);
      const { head } = split(read(files[0]));
      assert.equal(head.match(/^Delivered-To: /gm)?.length, 1);
      assert.match(head, /^X-Original-To: dup@example\.com\r$/m);
    });

    it('subaddress: delivered to the base mailbox with the tag kept in Delivered-To', async () => {
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['sub+News@example.com'], buildMessage());
      assert.equal(res.data?.code, 250);
      const [f] = stack.maildir('sub@example.com');
      const { head } = split(read(f));
      assert.match(head, /^Delivered-To: sub\+news@example\.com\r$/m);
      assert.match(head, /^X-Original-To: sub\+news@example\.com\r$/m);
    });

    it('domain alias, catch-all (exact wins), IDN + case', async () => {
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['viaalias@ALIAS.test', 'nobody@other.test', 'exact@other.test'], buildMessage());
      assert.deepEqual(res.rcpts.map((r) => r.code), [250, 250, 250]);
      assert.equal(res.data?.code, 250);
      assert.equal(stack.maildir('viaalias@example.com').length, 1);
      const [c] = stack.maildir('catch@example.com');
      assert.match(split(read(c)).head, /^X-Original-To: nobody@other\.test\r$/m);
      assert.equal(stack.maildir('exact@other.test').length, 1);

      const idn = await sendMessage(stack.haraka.port, 'alice@sender.test', ['JEAN@XN--EXMPLE-CUA.FR'], buildMessage());
      assert.equal(idn.data?.code, 250, JSON.stringify(idn));
      assert.equal(stack.maildir('jean@xn--exmple-cua.fr').length, 1);
    });

    it(
      'X-Original-To is the address the client gave, before the domain alias',
      async () => {
        const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['viaalias@alias.test'], buildMessage());
        assert.equal(res.data?.code, 250);
        const files = stack.maildir('viaalias@example.com');
        const { head } = split(read(files[files.length - 1]));
        assert.match(head, /^X-Original-To: viaalias@alias\.test\r$/m);
        assert.match(head, /^Delivered-To: viaalias@example\.com\r$/m);
      },
    );

    it('IDN in UTF-8 (SMTPUTF8): JEAN@EXÄMPLE.fr', async () => {
      const c = await SmtpClient.connect(stack.haraka.port);
      try {
        const ehlo = await c.cmd('EHLO test.example');
        assert.match(ehlo.text, /SMTPUTF8/);
        assert.equal((await c.cmd('MAIL FROM:<alice@sender.test> SMTPUTF8')).code, 250);
        const r = await c.cmd('RCPT TO:<JEAN@EXÄMPLE.fr>');
        assert.equal(r.code, 250, r.text);
        assert.equal((await c.data(buildMessage())).code, 250);
      } finally {
        await c.quit();
      }
      assert.equal(stack.maildir('jean@xn--exmple-cua.fr').length, 2);
    });

    it('postmaster@ of a domain goes to its first mailbox', async () => {
      const before = stack.maildir('jean@example.com').length;
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['PostMaster@example.com'], buildMessage());
      assert.equal(res.data?.code, 250);
      assert.equal(stack.maildir('jean@example.com').length, before + 1);
    });

    it('RCPT TO:<postmaster> without a domain is accepted (RFC 5321 4.5.1)', async () => {
      const c = await SmtpClient.connect(stack.haraka.port);
      try {
        await c.cmd('EHLO test.example');
        await c.cmd('MAIL FROM:<alice@sender.test>');
        const r = await c.cmd('RCPT TO:<Postmaster>');
        assert.equal(r.code, 250, r.text);
      } finally {
        await c.quit();
      }
    });

    it('relay refusal: a domain we do not host gets 550 5.7.1 and nothing is sent out', async () => {
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['victim@notours.test', 'other@example.org'], buildMessage());
      assert.deepEqual(res.rcpts.map(code), ['550 5.7.1', '550 5.7.1']);
      assert.equal(res.data, undefined);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(stack.sink.messages.filter((m) => m.to.some((a) => /notours\.test|example\.org/.test(a))), []);
    });

    it('mail loop: a message already delivered to the mailbox is refused 554 5.4.6', async () => {
      const msg = buildMessage({ headers: { 'Delivered-To': 'loopme@example.com' } });
      const res = await sendMessage(stack.haraka.port, 'alice@sender.test', ['loopme@example.com'], msg);
      assert.equal(res.rcpts[0].code, 250);
      assert.equal(res.data?.code, 554);
      assert.match(res.data!.text, /^5\.4\.6/);
      assert.equal(stack.maildir('loopme@example.com').length, 0);
    });

    it('forward to an external address leaves through the smarthost with an SRS sender; a bounce to it reaches the original sender', async () => {
      const before = stack.sink.messages.length;
      const body = 'forward me\r\n.dotted line\r\nend\r\n';
      const res = await sendMessage(stack.haraka.port, 'Alice@Sender.test', ['fwd@example.com', 'keep@example.com'], buildMessage({ body }));
      assert.equal(res.data?.code, 250);
      const got = (await stack.sink.waitFor(before + 2)).slice(before);
      assert.equal(got.length, 2, 'one outbound message per forwarding mailbox');
      const fwd = got.find((m) => m.to.includes('out@remote.test'))!;
      const keep = got.find((m) => m.to.includes('out-keep@remote.test'))!;
      assert.ok(fwd && keep, JSON.stringify(got.map((m) => [m.from, m.to])));
      assert.deepEqual(fwd.to, ['out@remote.test']);
      assert.match(fwd.from, /^SRS0=[0-9a-f]{8}=[a-z2-7]{2}=sender\.test=Alice@example\.com$/);
      assert.match(split(fwd.raw).head, /^Delivered-To: fwd@example\.com\r$/m);
      assert.equal(split(fwd.raw).body.toString('utf8'), body, 'forwarded body intact (dot-stuffing round trip)');
      assert.deepEqual(stack.maildir('fwd@example.com'), [], 'no local copy without keep-copy');
      assert.equal(stack.maildir('keep@example.com').length, 1, 'keep-copy keeps one');

      // the destination bounces to the SRS address: we reverse it to the original sender
      const bounce = await sendMessage(stack.haraka.port, '', [fwd.from], buildMessage({ from: 'MAILER-DAEMON@remote.test', subject: 'Undelivered Mail' }));
      assert.equal(bounce.rcpts[0].code, 250, bounce.rcpts[0].text);
      assert.equal(bounce.data?.code, 250);
      const back = (await stack.sink.waitFor(before + 3)).slice(before + 2);
      assert.equal(back.length, 1);
      assert.equal(back[0].from, '');
      assert.deepEqual(back[0].to.map((a) => a.toLowerCase()), ['alice@sender.test']);
    });

    it('a long original sender (SRS local part > 64 characters) still round-trips', async () => {
      const before = stack.sink.messages.length;
      const sender = 'jean-pierre.dupont@newsletters.entreprise-exemple.fr';
      const res = await sendMessage(stack.haraka.port, sender, ['fwd@example.com'], buildMessage());
      assert.equal(res.data?.code, 250);
      const [out] = (await stack.sink.waitFor(before + 1)).slice(before);
      assert.ok(out, 'forward reached the sink');
      assert.ok(out.from.split('@')[0].length > 64, out.from);
      const bounce = await sendMessage(stack.haraka.port, '', [out.from], buildMessage({ subject: 'bounce' }));
      assert.equal(bounce.rcpts[0].code, 250, bounce.rcpts[0].text);
      assert.equal(bounce.data?.code, 250);
      const [back] = (await stack.sink.waitFor(before + 2)).slice(before + 1);
      assert.ok(back, 'bounce reached the sink');
      assert.deepEqual(back.to, [sender]);
    });

    it('a forged SRS bounce address is refused 550 5.1.1', async () => {
      const r = await rcptOnce(stack.haraka.port, 'SRS0=00000000=aa=sender.test=alice@example.com', '');
      assert.equal(code(r), '550 5.1.1');
    });
  });

  describe(`cluster mode [${engine}]`, function () {
    this.timeout(90000);
    const stack = useMailStack({ engine, plugins: PLUGINS, migrate: false, sink: false, haraka: false });

    it('nodes=2 on an empty database: the master migrates, the workers resolve and deliver', async () => {
      const haraka = await stack.startHaraka({ nodes: 2 });
      const migrated = await waitUntil(async () => ((await stack.db.schema.hasTable('mailboxes')) ? true : undefined), 20000, 'the master to migrate');
      assert.ok(migrated);
      await stack.cli('domain', 'add', 'example.com');
      await stack.cli('mailbox', 'add', 'jean@example.com', '--password', PASSWORD);
      for (let i = 0; i < 6; i++) {
        const res = await sendMessage(haraka.port, 'alice@sender.test', ['jean@example.com', 'ghost@example.com'], buildMessage());
        assert.deepEqual([res.rcpts.map((r) => r.code), res.data?.code], [[250, 550], 250]);
      }
      assert.equal(stack.maildir('jean@example.com').length, 6);
    });
  });

  describe(`database failure mid-run [${engine}]`, function () {
    this.timeout(90000);
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      sink: false,
      haraka: false, // each test starts its own, on the database as it is or through a proxy
      async provision({ cli }) {
        await cli('domain', 'add', 'example.com');
        await cli('mailbox', 'add', 'jean@example.com', '--password', PASSWORD);
      },
    });
    afterEach(() => stack.stopHaraka());

    /** jean's usage counter as the database has it (written behind the deliveries, within a second) */
    const usedBytes = async () => Number((await stack.db('mailboxes').where({ address: 'jean@example.com' }).first('used_bytes'))?.used_bytes ?? 0);

    it('tables gone: a mailbox answered from the cache still gets its mail (its usage written once the table is back), an unknown user 451 4.3.0 (not 550), Haraka alive', async () => {
      const haraka = await stack.startHaraka();
      assert.equal((await rcptOnce(haraka.port, 'jean@example.com')).code, 250);
      const admin = openDb(stack.t.url);
      try {
        await admin.schema.renameTable('mailboxes', 'mailboxes_away');
        // jean was answered moments ago: RCPT comes from the process's directory cache (no
        // database round trip per message; a table renamed by hand is no change through lib), and
        // nothing on the way to his Maildir needs the database: stored, so 250 (else 45x, never 5xx)
        const stored = stack.maildir('jean@example.com').length;
        const tr = await sendMessage(haraka.port, 'alice@sender.test', ['jean@example.com'], buildMessage());
        const answered = tr.rcpts[0].code === 250 ? tr.data : tr.rcpts[0];
        if (tr.rcpts[0].code === 250) {
          assert.equal(answered?.code, 250, JSON.stringify(answered));
          assert.equal(stack.maildir('jean@example.com').length, stored + 1);
        } else assert.match(answered ? code(answered) : 'no answer', /^45\d 4\.3\.0$/);
        assert.equal(code(await rcptOnce(haraka.port, 'ghost@example.com')), '451 4.3.0', 'an unknown user is not refused 5xx while we cannot look');
        const alive = await SmtpClient.connect(haraka.port); // throws unless 220
        await alive.quit();
        await admin.schema.renameTable('mailboxes_away', 'mailboxes');
        assert.equal((await rcptOnce(haraka.port, 'jean@example.com')).code, 250);
        const res = await sendMessage(haraka.port, 'alice@sender.test', ['jean@example.com'], buildMessage());
        assert.equal(res.data?.code, 250);
        // every stored copy counted, the one stored while the table was away included
        const files = stack.maildir('jean@example.com');
        const size = files.reduce((n, f) => n + fs.statSync(f).size, 0);
        await waitUntil(async () => ((await usedBytes()) === size ? true : undefined), 10000, `used_bytes to reach ${size}`);
      } finally {
        if (await admin.schema.hasTable('mailboxes_away')) await admin.schema.renameTable('mailboxes_away', 'mailboxes');
        await admin.destroy();
      }
    });

    if (engine === 'sqlite') {
      it('SQLite write-locked by another process: the message is stored all the same (250), its usage written once the lock is gone, Haraka alive', async () => {
        const haraka = await stack.startHaraka();
        // better-sqlite3 directly: another process holding the write lock (a long admin write, a backup...)
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const Database = require('better-sqlite3');
        const other = new Database(stack.t.url.replace(/^sqlite:(\/\/)?/, ''));
        try {
          const before = await usedBytes();
          const stored = new Set(stack.maildir('jean@example.com'));
          other.exec('BEGIN IMMEDIATE');
          other.exec('UPDATE domains SET active = active');
          const res = await sendMessage(haraka.port, 'alice@sender.test', ['jean@example.com'], buildMessage());
          assert.equal(res.rcpts[0].code, 250, 'reads still work under a write lock (WAL)');
          // nothing on the way to the Maildir writes to the database (usage, statistics and learning are written behind)
          assert.equal(res.data?.code, 250, JSON.stringify(res.data));
          const [file] = stack.maildir('jean@example.com').filter((f) => !stored.has(f));
          assert.ok(file, 'stored');
          await new Promise((r) => setTimeout(r, 1500)); // a usage write tried (and kept) under the lock
          assert.equal(await usedBytes(), before);
          other.exec('COMMIT');
          await waitUntil(async () => ((await usedBytes()) === before + fs.statSync(file).size ? true : undefined), 15000, 'the usage written after the lock');
          const alive = await SmtpClient.connect(haraka.port);
          await alive.quit();
          const again = await sendMessage(haraka.port, 'alice@sender.test', ['jean@example.com'], buildMessage());
          assert.equal(again.data?.code, 250);
        } finally {
          if (other.inTransaction) other.exec('ROLLBACK');
          other.close();
        }
      });
    }

    if (engine === 'mariadb') {
      /** a TCP proxy to MariaDB that the test can cut (closing every open socket) and restore on the same port */
      async function dbProxy(target: { host: string; port: number }) {
        const sockets = new Set<net.Socket>();
        let server: net.Server | undefined;
        let port = 0;
        const open = () =>
          new Promise<void>((resolve, reject) => {
            server = net.createServer((client) => {
              const upstream = net.connect(target.port, target.host);
              for (const s of [client, upstream]) {
                sockets.add(s);
                s.on('close', () => sockets.delete(s));
                s.on('error', () => s.destroy());
              }
              client.pipe(upstream).pipe(client);
              client.on('close', () => upstream.destroy());
              upstream.on('close', () => client.destroy());
            });
            server.once('error', reject);
            server.listen(port, '127.0.0.1', () => {
              port = (server!.address() as net.AddressInfo).port;
              resolve();
            });
          });
        const cut = () =>
          new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server!.close(() => resolve());
          });
        await open();
        return { port: () => port, open, cut };
      }

      /** Haraka reaching this database through a proxy the test can cut */
      async function harakaBehindProxy() {
        const real = new URL(stack.t.url);
        const proxy = await dbProxy({ host: real.hostname, port: Number(real.port || 3306) });
        const viaProxy = new URL(stack.t.url);
        viaProxy.port = String(proxy.port());
        return { proxy, haraka: await stack.startHaraka({ db: viaProxy.toString() }) };
      }

      it('MariaDB cut through a proxy -> 451 4.3.0 (not 550), Haraka alive; proxy back -> 250 again', async () => {
        const { proxy, haraka } = await harakaBehindProxy();
        try {
          assert.equal((await rcptOnce(haraka.port, 'jean@example.com')).code, 250);
          // a session opened before the cut sees the failure too
          const early = await SmtpClient.connect(haraka.port);
          await early.cmd('EHLO test.example');
          await early.cmd('MAIL FROM:<alice@sender.test>');

          await proxy.cut();
          // an address not answered before needs the database at once
          assert.equal(code(await early.cmd('RCPT TO:<ghost@example.com>')), '451 4.3.0');
          await early.quit();
          // jean's answer was cached a moment ago: it stands until the generation cannot be
          // read for a second (lib/core/generation), then the caches step aside
          const cut = await waitUntil(async () => {
            const r = await rcptOnce(haraka.port, 'jean@example.com');
            return r.code === 250 ? undefined : r;
          }, 20000, 'RCPT 451 once the cached answers are too old to trust');
          assert.equal(code(cut), '451 4.3.0', `${cut.code} ${cut.text}`);
          assert.equal(code(await rcptOnce(haraka.port, 'ghost@example.com')), '451 4.3.0');
          const alive = await SmtpClient.connect(haraka.port);
          await alive.quit();

          await proxy.open();
          const back = await waitUntil(async () => {
            const r = await rcptOnce(haraka.port, 'jean@example.com');
            return r.code === 250 ? r : r.code === 451 ? undefined : r;
          }, 20000, 'RCPT 250 after the database came back');
          assert.equal(back.code, 250);
          const before = stack.maildir('jean@example.com').length;
          const res = await sendMessage(haraka.port, 'alice@sender.test', ['jean@example.com'], buildMessage());
          assert.equal(res.data?.code, 250);
          assert.equal(stack.maildir('jean@example.com').length, before + 1);
        } finally {
          await proxy.cut().catch(() => undefined);
        }
      });

      it('MariaDB cut between RCPT and the end of DATA: a message to an inbox needs no database after RCPT, so it is stored and answered 250; Haraka alive', async () => {
        const { proxy, haraka } = await harakaBehindProxy();
        try {
          const c = await SmtpClient.connect(haraka.port);
          await c.cmd('EHLO test.example');
          await c.cmd('MAIL FROM:<alice@sender.test>');
          assert.equal((await c.cmd('RCPT TO:<jean@example.com>')).code, 250);
          await proxy.cut();
          const stored = stack.maildir('jean@example.com').length;
          const data = await c.data(buildMessage());
          assert.equal(data.code, 250, `${data.code} ${data.text}`);
          assert.equal(stack.maildir('jean@example.com').length, stored + 1, 'answered 250 only once stored');
          await c.quit();
          const alive = await SmtpClient.connect(haraka.port);
          await alive.quit();
        } finally {
          await proxy.cut().catch(() => undefined);
        }
      });
    }
  });
}
