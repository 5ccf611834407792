// The digest schedule in real Haraka: plugin mailhost.digest runs in the master and sends
// yesterday's report of a mailbox holding mail to the loopback smarthost, once.
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { engines } from '../helpers/db';
import { useMailStack, waitUntil } from '../helpers/e2e';
import { QUARANTINE_PLUGINS, provisionQuarantine } from '../helpers/quarantine';
import { storeQuarantined, lastCompletedPeriod } from '../../lib/quarantine';

for (const engine of engines()) {
  describe(`quarantine digest scheduled by the Haraka master [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({
      engine,
      plugins: [...QUARANTINE_PLUGINS, 'mailhost.digest'],
      configFiles: { 'mailhost.ini': '[digest]\ninterval_seconds=1\nfirst_delay_seconds=1\n' },
      async provision(s) {
        await provisionQuarantine(s);
        const alice = await s.db('mailboxes').where({ address: 'alice@a.test' }).first('id');
        const yesterday = lastCompletedPeriod('daily', Date.now());
        const raw = Buffer.from('From: old@spam.test\r\nSubject: held yesterday\r\n\r\nbody\r\n');
        await storeQuarantined(s.db, raw, [{ mailboxId: Number(alice.id), category: 'spam' }], { mailFrom: 'old@spam.test', headerFrom: 'old@spam.test', subject: 'held yesterday', score: 8, reasons: [], receivedMs: yesterday.startMs + 3600_000 });
      },
    });

    it("sends yesterday's report once, through the smarthost", async () => {
      const period = lastCompletedPeriod('daily', Date.now()).key;
      const alice = await stack.db('mailboxes').where({ address: 'alice@a.test' }).first('id');
      // rows is set once the report was handed over
      await waitUntil(async () => ((await stack.db('digest_sent').where({ period, mailbox_id: alice.id, rows: 1 }).first()) ? true : undefined), 30000, 'the scheduled digest');
      const [msg] = await stack.sink.waitFor(1);
      assert.deepEqual(msg.to, ['alice@a.test']);
      const mail = await simpleParser(msg.raw);
      assert.match(String(mail.text), /held yesterday/);
      // a later tick (it renews the lease) found nothing more to send for that period
      const lease = async () => Number((await stack.db('job_leases').where({ name: 'digest' }).first('expires_ms')).expires_ms);
      const seen = await lease();
      await waitUntil(async () => ((await lease()) > seen ? true : undefined), 10000, 'a later tick');
      assert.equal((await stack.db('digest_sent').where({ period, mailbox_id: alice.id })).length, 1);
      assert.equal(stack.sink.messages.filter((m) => m.to.includes('alice@a.test')).length, 1);
    });
  });
}
