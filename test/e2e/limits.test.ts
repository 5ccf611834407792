// Size and count limits over real SMTP (mailhost.limits), and what is stored is what was sent:
// 8-bit header bytes and long headers round-trip byte for byte, or are refused before 250.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { engines } from '../helpers/db';
import { useMailStack } from '../helpers/e2e';
import { SmtpClient, sendMessage } from '../helpers/smtp';
import { createDomain, createMailbox } from '../../lib/directory';
import { addListEntry } from '../../lib/policy';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.limits', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver'];
const LIMITS = '[limits]\nmax_bytes=200000\nmax_rcpt_per_transaction=5\nmax_rcpt_per_connection=8\n';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');

for (const engine of engines()) {
  describe(`SMTP limits and byte fidelity end to end [${engine}]`, function () {
    this.timeout(90000);
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      sink: false,
      configFiles: { 'mailhost.ini': LIMITS },
      async provision({ db }) {
        await createDomain(db, { name: 'example.com' });
        for (const l of ['jean', 'size', 'heads', 'latin', 'many']) await createMailbox(db, { address: `${l}@example.com`, password: 'secret-pass-1' });
        // an allowed sender: the copy is not subject-tagged, whatever the filter thinks of it
        await addListEntry(db, { mailbox: 'latin@example.com', kind: 'allow', pattern: 'jose@sender.test' });
      },
    });
    const port = () => stack.haraka.port;
    const stored = (address: string) => stack.maildir(address).sort().map((f) => fs.readFileSync(f));

    it('advertises its size limit and refuses a larger SIZE= at MAIL with 552 5.3.4 (RFC 1870)', async () => {
      const c = await SmtpClient.connect(port());
      try {
        const ehlo = await c.cmd('EHLO test.example');
        assert.match(ehlo.text, /SIZE 200000/);
        const mail = await c.cmd('MAIL FROM:<a@sender.test> SIZE=300000');
        assert.equal(mail.code, 552);
        assert.match(mail.text, /5\.3\.4/);
        assert.equal((await c.cmd('MAIL FROM:<a@sender.test> SIZE=1000')).code, 250);
      } finally {
        await c.quit();
      }
    });

    it('refuses a message over the size limit after DATA with 552 and stores nothing', async () => {
      const big = crlf(['Subject: big', '', ...Array.from({ length: 3000 }, () => 'x'.repeat(100))]);
      const r = await sendMessage(port(), 'a@sender.test', ['size@example.com'], big);
      assert.equal(r.data?.code, 552);
      assert.match(r.data!.text, /5\.3\.4/);
      assert.deepEqual(stored('size@example.com'), []);
    });

    it('refuses 100,000 header lines before 250 with 552 and stores nothing', async () => {
      const msg = crlf([...Array.from({ length: 100000 }, (_, i) => `X-Line-${i}: v`), 'Subject: many', '', 'body']);
      const c = await SmtpClient.connect(port());
      try {
        await c.cmd('EHLO test.example');
        await c.cmd('MAIL FROM:<a@sender.test>');
        assert.equal((await c.cmd('RCPT TO:<heads@example.com>')).code, 250);
        const data = await c.data(msg);
        // over the size limit too: whichever is checked first, it is a 552 before 250
        assert.equal(data.code, 552);
      } finally {
        await c.quit();
      }
      assert.deepEqual(stored('heads@example.com'), []);
    });

    it('keeps 8-bit header bytes and every header line byte for byte (our fields only added in front)', async () => {
      const original = Buffer.concat([
        crlf(Array.from({ length: 900 }, (_, i) => `X-Line-${i}: v${i}`)),
        Buffer.from('Subject: Caf\xe9 cr\xe8me \xe0 la fran\xe7aise\r\nFrom: "Jos\xe9" <jose@sender.test>\r\nX-Folded: one\r\n\ttwo \xff\r\n', 'latin1'),
        Buffer.from('X-Spam-Flag: NO-FORGED\r\n\r\nCorps du message: \xe9t\xe9\r\n', 'latin1'),
      ]);
      const r = await sendMessage(port(), 'jose@sender.test', ['latin@example.com'], original);
      assert.equal(r.data?.code, 250, r.data?.text);
      const [copy] = stored('latin@example.com');
      assert.ok(copy, 'stored');
      const withoutForged = Buffer.from(original.toString('latin1').replace('X-Spam-Flag: NO-FORGED\r\n', ''), 'latin1');
      assert.ok(copy.subarray(copy.length - withoutForged.length).equals(withoutForged), 'the received bytes end the stored copy unchanged');
      const added = copy.subarray(0, copy.length - withoutForged.length).toString('latin1');
      assert.match(added, /^Delivered-To: latin@example.com\r\n/m);
      assert.match(added, /^Received: /m);
      assert.match(added, /^X-Spam-Flag: (YES|NO)\r\n/m);
      assert.doesNotMatch(copy.toString('latin1'), /NO-FORGED/);
    });

    it('caps recipients per transaction (452 4.5.3, the rest sent later) and per connection', async () => {
      const c = await SmtpClient.connect(port());
      try {
        await c.cmd('EHLO test.example');
        await c.cmd('MAIL FROM:<a@sender.test>');
        const codes: number[] = [];
        for (let i = 0; i < 7; i++) codes.push((await c.cmd(`RCPT TO:<many+${i}@example.com>`)).code);
        assert.deepEqual(codes, [250, 250, 250, 250, 250, 452, 452]);
        const over = await c.cmd('RCPT TO:<many+x@example.com>');
        assert.match(over.text, /4\.5\.3/);
        assert.equal((await c.data(crlf(['Subject: first', '', 'one']))).code, 250);
        await c.cmd('MAIL FROM:<a@sender.test>');
        const more: number[] = [];
        for (let i = 0; i < 5; i++) more.push((await c.cmd(`RCPT TO:<jean+${i}@example.com>`)).code);
        assert.deepEqual(more, [250, 250, 250, 452, 452]); // 8 per connection
      } finally {
        await c.quit();
      }
      assert.equal(stored('many@example.com').length, 1);
    });
  });
}
