// The per-process directory cache in a running Haraka with two workers: a change made through
// the CLI (an alias added or removed, a mailbox disabled) reaches every worker within a second,
// negative answers included. Several connections per check, so both workers answer.
import assert from 'node:assert/strict';
import { engines } from '../helpers/db';
import { useMailStack } from '../helpers/e2e';
import { SmtpClient } from '../helpers/smtp';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver'];
const CONNECTIONS = 8;
// the promise is one second (poll every 250 ms, answers trusted for a second); the rest is
// slack for connecting on a loaded machine
const WITHIN_MS = 1500;

async function rcptCode(port: number, rcpt: string): Promise<number> {
  const c = await SmtpClient.connect(port);
  try {
    await c.cmd('EHLO test.example');
    await c.cmd('MAIL FROM:<alice@sender.test>');
    return (await c.cmd(`RCPT TO:<${rcpt}>`)).code;
  } finally {
    await c.quit();
  }
}

/** RCPT answers of CONNECTIONS parallel connections. */
const answers = (port: number, rcpt: string) => Promise.all(Array.from({ length: CONNECTIONS }, () => rcptCode(port, rcpt)));

/** Polls until every connection answers `code`; fails when that takes longer than WITHIN_MS after `since`. */
async function seenEverywhere(port: number, rcpt: string, code: number, since: number): Promise<void> {
  for (;;) {
    const got = await answers(port, rcpt);
    if (got.every((c) => c === code)) return;
    if (Date.now() - since > WITHIN_MS) assert.fail(`${rcpt}: still ${got.join(',')} ${Date.now() - since} ms after the change, expected ${code} everywhere`);
  }
}

for (const engine of engines()) {
  describe(`directory cache with two Haraka workers [${engine}]`, function () {
    this.timeout(120000);
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      sink: false,
      nodes: 2,
      async provision({ cli }) {
        await cli('domain', 'add', 'example.com');
        await cli('mailbox', 'add', 'jean@example.com', '--password', 'secret-pass-1');
      },
    });
    const port = () => stack.haraka.port;

    it('an added alias, a disabled mailbox and a deleted alias take effect on every worker within a second', async () => {
      // warm every worker's cache with the answers about to change (a negative one too)
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await answers(port(), 'sales@example.com'), Array(CONNECTIONS).fill(550));
        assert.deepEqual(await answers(port(), 'jean@example.com'), Array(CONNECTIONS).fill(250));
      }
      let since = Date.now();
      await stack.cli('alias', 'add', 'sales@example.com', 'jean@example.com');
      await seenEverywhere(port(), 'sales@example.com', 250, since);

      since = Date.now();
      await stack.cli('mailbox', 'set', 'jean@example.com', '--active', 'no');
      await seenEverywhere(port(), 'jean@example.com', 550, since);
      await seenEverywhere(port(), 'sales@example.com', 550, since); // the alias reaches only a disabled mailbox

      await stack.cli('mailbox', 'set', 'jean@example.com', '--active', 'yes');
      await seenEverywhere(port(), 'sales@example.com', 250, Date.now());
      since = Date.now();
      await stack.cli('alias', 'del', 'sales@example.com');
      await seenEverywhere(port(), 'sales@example.com', 550, since);
    });
  });
}
