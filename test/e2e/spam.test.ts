// End to end over real SMTP: per-recipient verdicts (tag / Junk / quarantine in one message),
// a sender blocked at RCPT for its recipient only, an allowed sender that skips the spam verdict
// but not the virus verdict (Haraka's own clamd plugin against a loopback stand-in for clamd),
// the X-Spam-* headers, forwards of spam, the all-reject rule, quarantine release and purge.
// Provisioning goes through the `mailhost` CLI. One Haraka per engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { engines } from '../helpers/db';
import { useMailStack, type MailStack } from '../helpers/e2e';
import { sendMessage, buildMessage } from '../helpers/smtp';
import { EICAR } from '../helpers/clamd';
import { maildirPath, JUNK_FOLDER } from '../../lib/delivery';
import { listQuarantine } from '../../lib/quarantine';

const PLUGINS = ['mailhost.loopback_rdns', 'clamd', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver'];
const PASSWORD = 'secret-pass-1';

function head(file: string): string {
  const raw = fs.readFileSync(file, 'latin1');
  return raw.slice(0, raw.indexOf('\r\n\r\n') + 2);
}

/** Domains, policies (with their assignments), mailboxes, forwards and sender lists the tests rely on. */
async function provision({ cli: c }: MailStack): Promise<void> {
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
}

for (const engine of engines()) {
  describe(`spam verdicts end to end [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({ engine, plugins: PLUGINS, clamd: true, provision });

    it('one message to three recipients with three policies: tagged / Junk / quarantine, headers on each copy', async () => {
      const msg = buildMessage({ from: 'promo@shop.test', subject: 'Big offer', body: 'Hello there.\r\n', headers: { 'X-Spam-Flag': 'NO', 'X-Spam-Status': 'No, score=-50.0 forged' } });
      const res = await sendMessage(stack.haraka.port, 'promo@shop.test', ['tagged@example.com', 'junked@example.com', 'held@example.com'], msg);
      assert.deepEqual(res.rcpts.map((r) => r.code), [250, 250, 250]);
      assert.equal(res.data?.code, 250, res.data?.text);

      const tagged = stack.maildir('tagged@example.com');
      assert.equal(tagged.length, 1);
      const th = head(tagged[0]);
      assert.match(th, /^Subject: \[SPAM\] Big offer\r$/m);
      const tbody = fs.readFileSync(tagged[0], 'utf8');
      assert.match(tbody, /\r\n\r\nCe message ressemble à du spam\.\r\n/);
      assert.match(tbody, /Hello there\.\r\n$/);
      assert.equal(stack.maildir('tagged@example.com', JUNK_FOLDER).length, 0);

      assert.equal(stack.maildir('junked@example.com').length, 0);
      const junk = stack.maildir('junked@example.com', JUNK_FOLDER);
      assert.equal(junk.length, 1);
      assert.match(head(junk[0]), /^Subject: Big offer\r$/m, 'Junk copy is not tagged');
      assert.ok(fs.existsSync(path.join(maildirPath(stack.dataDir, 'junked@example.com'), JUNK_FOLDER, 'maildirfolder')));

      assert.equal(stack.maildir('held@example.com').length, 0);
      assert.equal(stack.maildir('held@example.com', JUNK_FOLDER).length, 0);
      const q = await listQuarantine(stack.db, { mailbox: 'held@example.com' });
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
      const res = await sendMessage(stack.haraka.port, 'colleague@partner.test', ['hfrom@example.com'], buildMessage({ from: 'colleague@partner.test', subject: 'Lunch', body: 'See you at noon.\r\n' }));
      assert.equal(res.data?.code, 250);
      const [f] = stack.maildir('hfrom@example.com');
      const h = head(f);
      assert.match(h, /^Subject: Lunch\r$/m);
      assert.match(h, /^X-Spam-Flag: NO\r$/m);
      assert.match(h, /^X-Spam-Status: No, score=-?\d+\.\d required=5\.0 tests=/m);
    });

    it('a blocked envelope sender is refused at RCPT for its recipient only (550 5.7.1)', async () => {
      const res = await sendMessage(stack.haraka.port, 'boss@spammer.test', ['blk1@example.com', 'blk2@example.com'], buildMessage({ from: 'boss@spammer.test' }));
      assert.equal(res.rcpts[0].code, 550);
      assert.match(res.rcpts[0].text, /^5\.7\.1 /);
      assert.equal(res.rcpts[1].code, 250);
      assert.equal(res.data?.code, 250);
      assert.equal(stack.maildir('blk1@example.com').length + stack.maildir('blk1@example.com', JUNK_FOLDER).length, 0);
      assert.equal(stack.maildir('blk2@example.com').length, 1);
      // the block is anchored: a look-alike domain passes
      const ok = await sendMessage(stack.haraka.port, 'boss@notspammer.test', ['blk1@example.com'], buildMessage());
      assert.equal(ok.rcpts[0].code, 250);
    });

    it('a blocked header From is spam for that recipient by its policy', async () => {
      const before = stack.maildir('hfrom@example.com').length;
      const res = await sendMessage(stack.haraka.port, 'bounces@esp.test', ['hfrom@example.com'], buildMessage({ from: 'Sales <sales@badfrom.test>', subject: 'Deal' }));
      assert.equal(res.data?.code, 250);
      const now = stack.maildir('hfrom@example.com');
      assert.equal(now.length, before + 1);
      const newest = now.map((f) => head(f)).find((h) => /Deal/.test(h))!;
      assert.match(newest, /^Subject: \*{5}SPAM\*{5} Deal\r$/m);
    });

    it('an allowed sender skips the spam verdict but not the virus verdict', async () => {
      const scansBefore = stack.clamd.scans;
      // control: the same clean message from someone else is held (threshold -100)
      await sendMessage(stack.haraka.port, 'stranger@allowed.test', ['av@example.com'], buildMessage({ from: 'stranger@allowed.test', subject: 'from a stranger' }));
      assert.equal(stack.maildir('av@example.com').length, 0);
      assert.equal((await listQuarantine(stack.db, { mailbox: 'av@example.com', category: 'spam' })).total, 1);

      const clean = await sendMessage(stack.haraka.port, 'friend@allowed.test', ['av@example.com'], buildMessage({ from: 'friend@allowed.test', subject: 'from a friend' }));
      assert.equal(clean.data?.code, 250);
      const inbox = stack.maildir('av@example.com');
      assert.equal(inbox.length, 1, 'allowed: delivered to the INBOX');
      assert.match(head(inbox[0]), /^Subject: from a friend\r$/m);

      const infected = buildMessage({ from: 'friend@allowed.test', subject: 'infected', body: `${EICAR}\r\n` });
      const res = await sendMessage(stack.haraka.port, 'friend@allowed.test', ['av@example.com'], infected);
      assert.equal(res.data?.code, 250);
      assert.equal(stack.maildir('av@example.com').length, 1, 'the virus did not reach the INBOX');
      assert.equal(stack.maildir('av@example.com', JUNK_FOLDER).length, 0);
      const v = await listQuarantine(stack.db, { mailbox: 'av@example.com', category: 'virus' });
      assert.equal(v.total, 1);
      assert.equal(v.rows[0].subject, 'infected');
      assert.ok(v.rows[0].reasons.some((r) => r.rule === 'CLAMD_VIRUS'));
      assert.ok(stack.clamd.scans >= scansBefore + 3, 'clamd scanned every message');
    });

    it('spam is forwarded only where the policy delivers it (tagged), never where it is held', async () => {
      const before = stack.sink.messages.length;
      const res = await sendMessage(stack.haraka.port, 'promo@shop.test', ['fw@strict.test', 'fw@example.com'], buildMessage({ from: 'promo@shop.test', subject: 'Forward me' }));
      assert.equal(res.data?.code, 250);
      const got = (await stack.sink.waitFor(before + 1)).slice(before);
      await new Promise((r) => setTimeout(r, 1500)); // give a wrong second copy time to show up
      assert.equal(stack.sink.messages.length, before + 1);
      assert.deepEqual(got[0].to, ['out-tag@remote.test']);
      assert.match(got[0].raw.toString('utf8'), /^Subject: \[SPAM\] Forward me\r$/m);
    });

    it('refuses at DATA with 550 5.7.1 only when every recipient rejects', async () => {
      const all = await sendMessage(stack.haraka.port, 'promo@shop.test', ['rej1@example.com', 'rej2@example.com'], buildMessage({ subject: 'rejected' }));
      assert.equal(all.data?.code, 550);
      assert.match(all.data!.text, /^5\.7\.1 /);
      assert.equal((await listQuarantine(stack.db, { subject: 'rejected' })).total, 0);

      const mixed = await sendMessage(stack.haraka.port, 'promo@shop.test', ['rej1@example.com', 'keepme@example.com'], buildMessage({ subject: 'half rejected' }));
      assert.equal(mixed.data?.code, 250);
      assert.equal(stack.maildir('keepme@example.com').length, 1);
      const held = await listQuarantine(stack.db, { subject: 'half rejected' });
      assert.deepEqual(held.rows.map((r) => r.mailbox), ['rej1@example.com'], 'the rejecting recipient keeps a quarantined copy');
    });

    it('quarantine round trip through the CLI: list, show, release once, delete, purge', async () => {
      const res = await sendMessage(stack.haraka.port, 'promo@shop.test', ['held@example.com'], buildMessage({ from: 'promo@shop.test', subject: 'Round trip', body: 'Line one.\r\n.starts with a dot\r\n' }));
      assert.equal(res.data?.code, 250);
      const listed = JSON.parse(await stack.cli('quarantine', 'list', '--mailbox', 'held@example.com', '--subject', 'round trip', '--json'));
      assert.equal(listed.total, 1);
      const id = String(listed.rows[0].id);
      const shown = await stack.cli('quarantine', 'show', id);
      assert.match(shown, /Subject: Round trip/);
      assert.match(shown, /Line one\./);

      assert.match(await stack.cli('quarantine', 'release', id), /released/);
      const inbox = stack.maildir('held@example.com');
      assert.equal(inbox.length, 1, 'exactly one file lands in the Maildir');
      const raw = fs.readFileSync(inbox[0], 'utf8');
      assert.match(raw, /^Return-Path: <promo@shop\.test>\r\nDelivered-To: held@example\.com\r\n/);
      assert.match(raw, /^X-Spam-Flag: NO\r$/m);
      assert.doesNotMatch(raw, /^X-Spam-Flag: YES/m);
      assert.match(raw, /\r\n\r\nLine one\.\r\n\.starts with a dot\r\n$/);
      assert.match(await stack.cli('quarantine', 'release', id), /already released/);
      assert.equal(stack.maildir('held@example.com').length, 1, 'releasing twice does not duplicate');

      const first = JSON.parse(await stack.cli('quarantine', 'list', '--mailbox', 'held@example.com', '--json'));
      const other = first.rows.find((r: { id: number }) => String(r.id) !== id);
      await stack.cli('quarantine', 'delete', String(other.id));
      assert.equal(JSON.parse(await stack.cli('quarantine', 'list', '--mailbox', 'held@example.com', '--json')).total, 1);

      const purged = JSON.parse(await stack.cli('purge', '--days', '0', '--json'));
      assert.ok(purged.rows >= 1);
      assert.equal(JSON.parse(await stack.cli('quarantine', 'list', '--json')).total, 0);
      assert.equal(Number((await stack.db('quarantine_messages').count({ n: '*' }))[0].n), 0);
    });

    it('answers 4xx and stores nothing when the quarantine store fails (the sender retries)', async () => {
      await stack.db.schema.renameTable('quarantine', 'quarantine_away');
      try {
        const res = await sendMessage(stack.haraka.port, 'promo@shop.test', ['held@example.com', 'tagged@example.com'], buildMessage({ subject: 'store down' }));
        // a temporary failure (Haraka answers a queue DENYSOFT with 450), never an accept
        assert.equal(Math.floor((res.data?.code ?? 0) / 100), 4, `${res.data?.code} ${res.data?.text}`);
        assert.match(res.data!.text, /^4\.3\.0 /);
        assert.equal(Number((await stack.db('quarantine_messages').count({ n: '*' }))[0].n), 0, 'the transaction left no stored message');
      } finally {
        await stack.db.schema.renameTable('quarantine_away', 'quarantine');
      }
      const again = await sendMessage(stack.haraka.port, 'promo@shop.test', ['held@example.com'], buildMessage({ subject: 'store back' }));
      assert.equal(again.data?.code, 250);
      assert.equal((await listQuarantine(stack.db, { subject: 'store back' })).total, 1);
    });

    it('a message over the quarantine size limit goes to Junk instead', async () => {
      await stack.cli('quarantine', 'config', '--max-size-kb', '20');
      try {
        const body = `${'y'.repeat(70)}\r\n`.repeat(400); // ~28 KB
        const res = await sendMessage(stack.haraka.port, 'promo@shop.test', ['big@example.com'], buildMessage({ subject: 'large', body }));
        assert.equal(res.data?.code, 250);
        assert.equal(stack.maildir('big@example.com', JUNK_FOLDER).length, 1);
        assert.equal((await listQuarantine(stack.db, { mailbox: 'big@example.com' })).total, 0);
      } finally {
        await stack.cli('quarantine', 'config', '--max-size-kb', String(10 * 1024));
      }
    });
  });
}
