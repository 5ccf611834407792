// Autoresponders and the spam step end to end: no reply when the message is spam for that
// recipient (tagged in the inbox, moved to Junk, quarantined), also when it arrived through an
// alias; a virus (Haraka's clamd plugin against a loopback stand-in for clamd), even from an
// allowed sender; the recipient's own verdict wins over the message-wide X-Spam-Flag (an allowed
// sender is answered); a message released from quarantine is never answered. Real Haraka, real
// SMTP, replies read from the loopback smarthost.
import assert from 'node:assert/strict';
import { engines } from '../helpers/db';
import { useMailStack, type MailStack, waitUntil, autoreplyDecision } from '../helpers/e2e';
import { sendMessage, buildMessage, type Transcript } from '../helpers/smtp';
import { EICAR } from '../helpers/clamd';
import { JUNK_FOLDER } from '../../lib/delivery';

const PLUGINS = ['mailhost.loopback_rdns', 'clamd', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver', 'mailhost.autoreply'];
const PASSWORD = 'secret-pass-1';
const D = 'exemple.fr';

let n = 0;
const fresh = () => `jean.${++n}@client.test`;

/** One mailbox per verdict, each with an autoresponder, an alias over a spam and a ham one, an allow list. */
async function provision({ cli: c }: MailStack): Promise<void> {
  await c('migrate');
  await c('domain', 'add', D);
  // threshold -100: every message is spam for these recipients, whatever its score
  await c('policy', 'add', 'tagall', '--threshold=-100', '--action', 'tag');
  await c('policy', 'add', 'junkall', '--threshold=-100', '--action', 'junk');
  await c('policy', 'add', 'holdall', '--threshold=-100', '--action', 'quarantine');
  for (const [box, policy] of [['tagged', 'tagall'], ['junked', 'junkall'], ['held', 'holdall'], ['allowed', 'holdall'], ['ham', '']]) {
    await c('mailbox', 'add', `${box}@${D}`, '--password', PASSWORD);
    if (policy) await c('policy', 'assign', policy, `${box}@${D}`);
    await c('autoreply', 'set', `${box}@${D}`, '--text', `Absent (${box}).`, '--max-per-day', '10');
  }
  await c('alias', 'add', `equipe@${D}`, `tagged@${D}`, `ham@${D}`);
  await c('list', 'add', 'allow', '*@friends.test', '--mailbox', `allowed@${D}`);
}

for (const engine of engines()) {
  describe(`autoreply and spam verdicts end to end [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({ engine, plugins: PLUGINS, clamd: true, provision });
    const count = (address: string, folder?: string) => stack.maildir(address, folder).length;

    /** replies sent, and "mailbox:reason" for each recipient held back, sorted */
    async function decision(tr: Transcript): Promise<{ sent: number; reasons: string[] }> {
      const { sent, held } = await autoreplyDecision(stack.haraka, tr);
      return { sent, reasons: held.map((h) => `${h.mailbox}:${h.reason}`).sort() };
    }

    const repliesTo = (who: string) => stack.sink.messages.filter((m) => m.to.includes(who));
    const send = (from: string, to: string[], subject = 'Bonjour') => sendMessage(stack.haraka.port, from, to, buildMessage({ from, to: to[0], subject }));

    it('ham: the control case replies', async () => {
      const who = fresh();
      assert.deepEqual(await decision(await send(who, [`ham@${D}`])), { sent: 1, reasons: [] });
      await waitUntil(() => (repliesTo(who).length ? true : undefined), 20000, 'the reply');
    });

    it('spam for the recipient - tagged in the inbox, to Junk, quarantined: no reply', async () => {
      const who = fresh();
      const before = { tagged: count(`tagged@${D}`), junked: count(`junked@${D}`, JUNK_FOLDER) };
      const d = await decision(await send(who, [`tagged@${D}`, `junked@${D}`, `held@${D}`]));
      assert.deepEqual(d, { sent: 0, reasons: [`held@${D}:spam`, `junked@${D}:spam`, `tagged@${D}:spam`] });
      assert.equal(count(`tagged@${D}`), before.tagged + 1, 'delivered, tagged');
      assert.equal(count(`junked@${D}`, JUNK_FOLDER), before.junked + 1, 'delivered to Junk');
      assert.equal(repliesTo(who).length, 0);
    });

    it('through an alias: the spam recipient stays silent, the ham one replies once', async () => {
      const who = fresh();
      const d = await decision(await send(who, [`equipe@${D}`]));
      assert.deepEqual(d, { sent: 1, reasons: [`tagged@${D}:spam`] });
      const [out] = await waitUntil(() => (repliesTo(who).length ? repliesTo(who) : undefined), 20000, 'the reply');
      assert.match(out.raw.toString('latin1'), /Absent \(ham\)\./);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(repliesTo(who).length, 1);
    });

    it("an allowed sender is answered although the message says X-Spam-Flag: YES for another recipient", async () => {
      const who = `ami.${++n}@friends.test`;
      const d = await decision(await send(who, [`allowed@${D}`, `tagged@${D}`]));
      assert.deepEqual(d, { sent: 1, reasons: [`tagged@${D}:spam`] });
      const [out] = await waitUntil(() => (repliesTo(who).length ? repliesTo(who) : undefined), 20000, 'the reply');
      assert.match(out.raw.toString('latin1'), /Absent \(allowed\)\./);
    });

    it('a virus is never answered, not even from an allowed sender, nor for a recipient with the default policy', async () => {
      const who = `ami.${++n}@friends.test`;
      const msg = buildMessage({ from: who, to: `allowed@${D}`, subject: 'pièce jointe', body: `Voici le fichier.\r\n${EICAR}\r\n` });
      const d = await decision(await sendMessage(stack.haraka.port, who, [`allowed@${D}`, `ham@${D}`], msg));
      assert.deepEqual(d, { sent: 0, reasons: [`allowed@${D}:virus`, `ham@${D}:virus`] });
      assert.equal(repliesTo(who).length, 0);
    });

    it('a message released from quarantine is never answered', async () => {
      const who = fresh();
      const subject = `libération ${n}`;
      await decision(await sendMessage(stack.haraka.port, who, [`held@${D}`], Buffer.from(buildMessage({ from: who, to: `held@${D}`, subject: `=?UTF-8?Q?${encodeURIComponent(subject).replace(/%/g, '=')}?=` }), 'utf8')));
      const listed = JSON.parse(await stack.cli('quarantine', 'list', '--mailbox', `held@${D}`, '--sender', who, '--json'));
      assert.equal(listed.rows.length, 1, JSON.stringify(listed));
      const before = count(`held@${D}`);
      assert.match(await stack.cli('quarantine', 'release', String(listed.rows[0].id)), /released/);
      assert.equal(count(`held@${D}`), before + 1, 'released into the inbox');
      // a control message answered after the release: the queue has drained past it
      const control = fresh();
      assert.equal((await decision(await send(control, [`ham@${D}`]))).sent, 1);
      await waitUntil(() => (repliesTo(control).length ? true : undefined), 20000, 'the control reply');
      assert.equal(repliesTo(who).length, 0);
    });
  });
}
