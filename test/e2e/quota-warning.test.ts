// The 90 % quota warning over real SMTP: deliveries that take a 1 MB mailbox over 90 % send one
// warning to its owner (through the relay: the loopback sink); the next delivery sends none;
// once the owner deleted the messages (as an IMAP client does, without telling us) and the
// mailbox is filled again, a new warning goes out. A warning that cannot be sent never holds up
// the mail, and is tried again with the next delivery.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { engines } from '../helpers/db';
import { useMailStack } from '../helpers/e2e';
import { sendMessage, buildMessage } from '../helpers/smtp';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.deliver'];
// about 330 kB: three of them take a 1 MB quota over 90 %, two do not
const THIRD = `${'x'.repeat(998)}\r\n`.repeat(330);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of engines()) {
  describe(`quota warning at 90 % [${engine}]`, function () {
    this.timeout(90000);
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      async provision({ cli }) {
        await cli('migrate');
        await cli('domain', 'add', 'example.com');
        await cli('mailbox', 'add', 'near@example.com', '--password', 'secret-pass-1');
        await cli('mailbox', 'set', 'near@example.com', '--quota-mb', '1');
        await cli('mailbox', 'add', 'dead@example.com', '--password', 'secret-pass-1');
        await cli('mailbox', 'set', 'dead@example.com', '--quota-mb', '1');
      },
    });

    const warnings = (to = 'near@example.com') => stack.sink.messages.filter((m) => m.to.includes(to));
    async function deliver(n: number, to = 'near@example.com') {
      for (let i = 0; i < n; i++) {
        const r = await sendMessage(stack.haraka.port, 'alice@sender.test', [to], buildMessage({ to, body: THIRD }));
        assert.equal(r.rcpts[0].code, 250, `${r.rcpts[0].code} ${r.rcpts[0].text}`);
        assert.equal(r.data?.code, 250);
      }
    }
    async function waitForWarnings(count: number) {
      const deadline = Date.now() + 15000;
      while (warnings().length < count && Date.now() < deadline) await sleep(100);
      await sleep(1000); // and no more than that
      return warnings();
    }

    it('one warning per crossing: sent at the crossing, not again, and again after the mailbox was emptied and refilled', async () => {
      await deliver(2);
      await sleep(1000);
      assert.equal(warnings().length, 0, 'under 90 %: no warning');

      await deliver(1);
      const first = await waitForWarnings(1);
      assert.equal(first.length, 1);
      const raw = first[0].raw.toString('utf8');
      assert.equal(first[0].from, '');
      assert.match(raw, /^Subject: Your mailbox is almost full \(9\d%\)/m);
      assert.match(raw, /^From: postmaster@example\.com/m);
      assert.match(raw, /near@example\.com is almost full: 0\.9 MB used of 1 MB/);
      assert.equal(stack.maildir('near@example.com').length, 3, 'every message stored');

      await deliver(1);
      assert.equal((await waitForWarnings(1)).length, 1, 'no second warning for the same crossing');

      // the owner deletes everything in the mail client
      for (const f of stack.maildir('near@example.com')) fs.unlinkSync(f);
      await deliver(2); // the first is checked against a recount (the counter says full), which re-arms
      await sleep(1000);
      assert.equal(warnings().length, 1, 'refilled to 66 %: nothing yet');
      await deliver(1);
      assert.equal((await waitForWarnings(2)).length, 2, 'a new crossing: a new warning');
    });

    it('a warning that cannot be sent is logged, the mail is delivered all the same, and the next delivery tries again', async () => {
      await stack.stopHaraka();
      stack.haraka = await stack.startHaraka({ env: { MAILHOST_RELAY: '127.0.0.1:9' } }); // nothing listens there
      await deliver(3, 'dead@example.com');
      assert.equal(stack.maildir('dead@example.com').length, 3);
      const deadline = Date.now() + 20000;
      while (!/quota warning for dead@example\.com not sent/.test(stack.haraka.log()) && Date.now() < deadline) await sleep(200);
      assert.match(stack.haraka.log(), /quota warning for dead@example\.com not sent/);
      await stack.stopHaraka();
      stack.haraka = await stack.startHaraka();
      await deliver(1, 'dead@example.com');
      const deadline2 = Date.now() + 15000;
      while (!warnings('dead@example.com').length && Date.now() < deadline2) await sleep(100);
      assert.equal(warnings('dead@example.com').length, 1);
    });
  });
}
