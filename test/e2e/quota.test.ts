// Quota that tells the truth, over real SMTP: a mailbox filled to its quota is refused with
// 452 4.2.2; once its owner deletes the messages (files unlinked from cur/ and new/, as an IMAP
// client does, without telling us), it accepts mail again at once, and the database counter
// follows what the Maildir holds.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { engines } from '../helpers/db';
import { useMailStack } from '../helpers/e2e';
import { sendMessage, buildMessage, type Reply } from '../helpers/smtp';
import { getMailbox } from '../../lib/directory';
import { waitFor } from '../helpers/processes';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.deliver'];
const code = (r: Reply) => `${r.code} ${r.text.slice(0, 5)}`;
// a bit over 1 MB: one such message fills a 1 MB quota
const BIG = `${'x'.repeat(998)}\r\n`.repeat(1100);

for (const engine of engines()) {
  describe(`quota follows the Maildir [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      async provision({ cli }) {
        await cli('migrate');
        await cli('domain', 'add', 'example.com');
        await cli('mailbox', 'add', 'full@example.com', '--password', 'secret-pass-1');
        await cli('mailbox', 'set', 'full@example.com', '--quota-mb', '1');
      },
    });

    it('a full mailbox is refused 452 4.2.2, and accepts mail again as soon as its files are deleted', async () => {
      const first = await sendMessage(stack.haraka.port, 'alice@sender.test', ['full@example.com'], buildMessage({ to: 'full@example.com', body: BIG }));
      assert.equal(first.rcpts[0].code, 250);
      assert.equal(first.data?.code, 250);
      // a client reads it: new/ -> cur/ (the recount must count cur/ too)
      const [file] = stack.maildir('full@example.com');
      const read = file.replace(/\/new\/([^/]+)$/, '/cur/$1:2,S');
      fs.renameSync(file, read);

      const refused = await sendMessage(stack.haraka.port, 'alice@sender.test', ['full@example.com'], buildMessage({ to: 'full@example.com' }));
      assert.equal(code(refused.rcpts[0]), '452 4.2.2');
      assert.ok((await getMailbox(stack.db, 'full@example.com')).used_bytes >= 1024 * 1024);

      // the owner deletes the message in the mail client
      for (const f of [...stack.maildir('full@example.com', '', 'cur'), ...stack.maildir('full@example.com', '', 'new')]) fs.unlinkSync(f);

      const again = await sendMessage(stack.haraka.port, 'alice@sender.test', ['full@example.com'], buildMessage({ to: 'full@example.com', body: 'room again\r\n' }));
      assert.equal(again.rcpts[0].code, 250, `${again.rcpts[0].code} ${again.rcpts[0].text}`);
      assert.equal(again.data?.code, 250);
      assert.equal(stack.maildir('full@example.com').length, 1);
      // the counter was recounted from disk (0), then the new message added (written within a second)
      const used = await waitFor('usage written', async () => (await getMailbox(stack.db, 'full@example.com')).used_bytes || false, 5000);
      assert.ok(used > 0 && used < 10_000, `used_bytes ${used}`);
    });
  });
}
