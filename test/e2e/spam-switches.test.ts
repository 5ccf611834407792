// End to end over real SMTP, on each engine: the spam switches of a mailbox and the rules of
// its domain (lib/policy switches), provisioned through the `mailhost` CLI.
//   - GTUBE: a mailbox without spam filtering gets it in its INBOX, a filtering one has it
//     quarantined (its domain's policy), and where the domain forbids turning filtering off the
//     mailbox's old "off" is ignored;
//   - EICAR (Haraka's clamd plugin against the loopback stand-in): a mailbox with antivirus off
//     gets it, the others have it held, even one that turned antivirus off in a domain that
//     forces the check;
//   - a server-wide blocked sender: refused at RCPT for a mailbox using the server-wide lists,
//     delivered to one that turned them off (envelope); by header From, held for the first and
//     delivered to the second.
import assert from 'node:assert/strict';
import { engines } from '../helpers/db';
import { useMailStack, type MailStack } from '../helpers/e2e';
import { sendMessage, buildMessage } from '../helpers/smtp';
import { EICAR } from '../helpers/clamd';
import { JUNK_FOLDER } from '../../lib/delivery';
import { listQuarantine } from '../../lib/quarantine';
import { main } from '../../bin/cli';

const PLUGINS = ['mailhost.loopback_rdns', 'clamd', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver'];
const PASSWORD = 'secret-pass-1';
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

async function provision({ cli: c }: MailStack): Promise<void> {
  await c('migrate');
  await c('domain', 'add', 'example.com');
  await c('domain', 'add', 'strict.test');
  await c('policy', 'add', 'hold', '--action', 'quarantine', '--virus-action', 'quarantine');
  await c('policy', 'assign', 'hold', 'example.com');
  await c('policy', 'assign', 'hold', 'strict.test');
  for (const a of ['filtered@example.com', 'nofilter@example.com', 'noav@example.com', 'usesglobal@example.com', 'noglobal@example.com', 'forced@strict.test']) {
    await c('mailbox', 'add', a, '--password', PASSWORD);
  }
  await c('mailbox', 'set', 'nofilter@example.com', '--spam-filter', 'no');
  await c('mailbox', 'set', 'noav@example.com', '--antivirus', 'no');
  await c('mailbox', 'set', 'noglobal@example.com', '--global-lists', 'no');
  // switched off while the domain allowed it; then the domain takes the choice away
  await c('mailbox', 'set', 'forced@strict.test', '--spam-filter', 'no', '--antivirus', 'no');
  await c('domain', 'set', 'strict.test', '--allow-no-spam-filter', 'no', '--force-antivirus', 'yes');
  await c('list', 'add', 'block', 'spammer.test'); // server-wide
}

for (const engine of engines()) {
  describe(`spam switches end to end [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({ engine, plugins: PLUGINS, clamd: true, provision });
    const held = async (mailbox: string, category: string) => (await listQuarantine(stack.db, { mailbox, category })).total;

    it('the CLI refuses to turn filtering or antivirus off where the domain does not allow it', async () => {
      const err: string[] = [];
      const run = (...argv: string[]) => main(argv, { env: stack.env, out: () => undefined, err: (s) => err.push(s) });
      assert.notEqual(await run('mailbox', 'set', 'forced@strict.test', '--spam-filter', 'no'), 0);
      assert.match(err.join(' '), /spam filtering cannot be turned off for the mailboxes of this domain/);
      assert.notEqual(await run('mailbox', 'set', 'forced@strict.test', '--antivirus', 'no'), 0);
      assert.match(err.join(' '), /virus check cannot be turned off/);
    });

    it('GTUBE: in the INBOX without spam filtering, quarantined with it (and where the domain forbids turning it off)', async () => {
      const msg = buildMessage({ from: 'promo@shop.test', subject: 'GTUBE test', body: `Test of the filter.\r\n${GTUBE}\r\n` });
      const res = await sendMessage(stack.haraka.port, 'promo@shop.test', ['nofilter@example.com', 'filtered@example.com', 'forced@strict.test'], msg);
      assert.deepEqual(res.rcpts.map((r) => r.code), [250, 250, 250]);
      assert.equal(res.data?.code, 250, res.data?.text);
      assert.equal(stack.maildir('nofilter@example.com').length, 1, 'no filtering: delivered to the INBOX');
      assert.equal(await held('nofilter@example.com', 'spam'), 0);
      for (const mb of ['filtered@example.com', 'forced@strict.test']) {
        assert.equal(stack.maildir(mb).length + stack.maildir(mb, JUNK_FOLDER).length, 0, `${mb}: not delivered`);
        assert.equal(await held(mb, 'spam'), 1, `${mb}: quarantined`);
      }
    });

    it('EICAR: delivered where antivirus is off, held where it is on or forced by the domain', async () => {
      const msg = buildMessage({ from: 'friend@partner.test', subject: 'infected', body: `${EICAR}\r\n` });
      const res = await sendMessage(stack.haraka.port, 'friend@partner.test', ['noav@example.com', 'filtered@example.com', 'forced@strict.test'], msg);
      assert.equal(res.data?.code, 250, res.data?.text);
      assert.equal(stack.maildir('noav@example.com').length, 1, 'antivirus off: delivered');
      assert.equal(await held('noav@example.com', 'virus'), 0);
      for (const mb of ['filtered@example.com', 'forced@strict.test']) {
        assert.equal(stack.maildir(mb).length, 0, `${mb}: no virus in the INBOX`);
        assert.equal(await held(mb, 'virus'), 1, `${mb}: the virus is held`);
      }
    });

    it('a server-wide blocked sender: refused for a mailbox using the server-wide lists, delivered to one that turned them off', async () => {
      const env = await sendMessage(stack.haraka.port, 'boss@spammer.test', ['usesglobal@example.com', 'noglobal@example.com'], buildMessage({ from: 'boss@spammer.test', subject: 'by envelope' }));
      assert.equal(env.rcpts[0].code, 550);
      assert.match(env.rcpts[0].text, /^5\.7\.1 /);
      assert.equal(env.rcpts[1].code, 250);
      assert.equal(env.data?.code, 250);
      assert.equal(stack.maildir('noglobal@example.com').length, 1);
      assert.equal(stack.maildir('usesglobal@example.com').length, 0);

      // by header From (the envelope is fine): spam for the first (held by its policy), not for the second
      const hdr = await sendMessage(stack.haraka.port, 'bounces@esp.test', ['usesglobal@example.com', 'noglobal@example.com'], buildMessage({ from: 'Boss <boss@spammer.test>', subject: 'by header' }));
      assert.deepEqual(hdr.rcpts.map((r) => r.code), [250, 250]);
      assert.equal(hdr.data?.code, 250);
      assert.equal(stack.maildir('noglobal@example.com').length, 2);
      assert.equal(stack.maildir('usesglobal@example.com').length, 0);
      const q = await listQuarantine(stack.db, { mailbox: 'usesglobal@example.com', category: 'spam' });
      assert.equal(q.total, 1);
      assert.equal(q.rows[0].subject, 'by header');
    });

    it('a switch changed through the CLI reaches the running Haraka within a second', async () => {
      await stack.cli('mailbox', 'set', 'noglobal@example.com', '--global-lists', 'yes');
      await new Promise((r) => setTimeout(r, 1500));
      const res = await sendMessage(stack.haraka.port, 'boss@spammer.test', ['noglobal@example.com'], buildMessage({ from: 'boss@spammer.test' }));
      assert.equal(res.rcpts[0].code, 550);
    });
  });
}
