// Statistics end to end: real Haraka with our plugins counts a known mix of messages over real
// SMTP (ham to the inbox, one message to Junk and to the quarantine through a header-From block
// list and the recipients' policies, an unknown recipient refused at RCPT, a message refused at
// DATA by a reject policy and one by the size limit, a forward, an autoreply); once the batch is written (every second
// here), `mailhost stats --json` shows exactly those counts, globally, per domain and per mailbox.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { engines } from '../helpers/db';
import { useMailStack, waitUntil, type MailStack } from '../helpers/e2e';
import { sendMessage, buildMessage } from '../helpers/smtp';
import { main } from '../../bin/cli';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.limits', 'mailhost.rcpt', 'mailhost.spam', 'mailhost.deliver', 'mailhost.autoreply'];
const PASSWORD = 'secret-pass-1';
const D = 'stats.test';
const KEYS = ['received', 'inbox', 'junk', 'quarantined', 'refused_rcpt', 'refused_data', 'forwarded', 'autoreplies', 'bytes'];

async function provision({ cli: c }: MailStack): Promise<void> {
  await c('migrate');
  await c('domain', 'add', D);
  for (const local of ['ham', 'held', 'junked', 'rej', 'away']) await c('mailbox', 'add', `${local}@${D}`, '--password', PASSWORD);
  await c('policy', 'add', 'hold', '--action', 'quarantine');
  await c('policy', 'add', 'junky', '--action', 'junk');
  await c('policy', 'add', 'rejectall', '--threshold=-100', '--action', 'reject');
  await c('policy', 'assign', 'hold', `held@${D}`);
  await c('policy', 'assign', 'junky', `junked@${D}`);
  await c('policy', 'assign', 'rejectall', `rej@${D}`);
  await c('list', 'add', 'block', '*@badfrom.test', '--mailbox', `held@${D}`);
  await c('list', 'add', 'block', '*@badfrom.test', '--mailbox', `junked@${D}`);
  await c('alias', 'add', `fw@${D}`, 'out@remote.test');
  await c('autoreply', 'set', `away@${D}`, '--text', 'Absent.');
}

for (const engine of engines()) {
  describe(`statistics end to end [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({ engine, plugins: PLUGINS, provision, haraka: false, configFiles: { 'mailhost.ini': '[limits]\nmax_bytes=20000\n' } });
    let port = 0;
    before(async function () {
      this.timeout(60000);
      port = (await stack.startHaraka({ env: { MAILHOST_STATS_FLUSH_SECONDS: '1' } })).port;
    });

    /** `mailhost stats --json` through the CLI's main(), the last two days summed (a run may cross midnight UTC). */
    async function stats(...scope: string[]): Promise<Record<string, number>> {
      const out: string[] = [];
      const code = await main(['stats', ...scope, '--days', '2', '--json'], { env: stack.env, out: (s) => out.push(s), err: () => undefined });
      assert.equal(code, 0);
      const days = JSON.parse(out.join('\n')) as Record<string, number | string>[];
      assert.equal(days.length, 2);
      for (const d of days) for (const k of ['day', ...KEYS]) assert.ok(k in d, `key ${k} in ${JSON.stringify(d)}`);
      const sum: Record<string, number> = {};
      for (const k of KEYS) sum[k] = days.reduce((n, d) => n + Number(d[k]), 0);
      return sum;
    }

    /** Polls until the written counts (all but bytes) equal what is expected (the flush runs every second), then asserts them. */
    async function expectStats(scope: string[], expected: Record<string, number>): Promise<Record<string, number>> {
      const counts = (all: Record<string, number>) => Object.fromEntries(KEYS.filter((k) => k !== 'bytes').map((k) => [k, all[k]]));
      const want = { ...Object.fromEntries(KEYS.map((k) => [k, 0])), ...expected };
      let last: Record<string, number> = {};
      await waitUntil(async () => ((last = await stats(...scope)), isDeepStrictEqual(counts(last), counts(want)) ? true : undefined), 15000, 'statistics').catch(() => undefined);
      assert.deepEqual(counts(last), counts(want));
      return last;
    }

    it('counts a known mix of messages exactly: globally, for the domain and for each mailbox', async () => {
      const sizes: number[] = [];
      const send = async (from: string, to: string[], headerFrom: string, subject: string, body = 'Bonjour, voici le compte rendu de la réunion.\r\n') => {
        const msg = buildMessage({ from: headerFrom, to: to[0], subject, body });
        const tr = await sendMessage(port, from, to, msg);
        return { tr, size: Buffer.byteLength(msg) };
      };
      // ham to the inbox, and an unknown recipient refused at RCPT in the same transaction
      const ham = await send('colleague@partner.test', [`ham@${D}`, `nobody@${D}`], 'colleague@partner.test', 'Lunch');
      assert.deepEqual(ham.tr.rcpts.map((r) => r.code), [250, 550]);
      assert.equal(ham.tr.data?.code, 250, ham.tr.data?.text);
      sizes.push(ham.size);
      // blocked header From: quarantined for held@ (policy quarantine), Junk for junked@ (policy junk)
      const bad = await send('bounces@esp.test', [`held@${D}`, `junked@${D}`], 'Sales <sales@badfrom.test>', 'Deal');
      assert.equal(bad.tr.data?.code, 250, bad.tr.data?.text);
      sizes.push(bad.size, bad.size);
      assert.equal(stack.maildir(`junked@${D}`, '.Junk').length, 1);
      assert.equal(stack.maildir(`held@${D}`).length + stack.maildir(`held@${D}`, '.Junk').length, 0);
      // refused after DATA by a reject policy
      const rej = await send('promo@shop.test', [`rej@${D}`], 'promo@shop.test', 'Offer');
      assert.equal(rej.tr.data?.code, 550, rej.tr.data?.text);
      // refused after DATA by the size limit (mailhost.limits)
      const big = await send('colleague@partner.test', [`ham@${D}`], 'colleague@partner.test', 'Too big', `${'x'.repeat(70)}\r\n`.repeat(400));
      assert.equal(big.tr.data?.code, 552, big.tr.data?.text);
      // a forward, and a message to a mailbox with an autoreply
      const fw = await send('colleague@partner.test', [`fw@${D}`], 'colleague@partner.test', 'Forward me');
      assert.equal(fw.tr.data?.code, 250, fw.tr.data?.text);
      sizes.push(fw.size);
      const away = await send('client@customer.test', [`away@${D}`], 'client@customer.test', 'Question');
      assert.equal(away.tr.data?.code, 250, away.tr.data?.text);
      sizes.push(away.size);
      await waitUntil(() => (stack.sink.messages.some((m) => m.to.includes('out@remote.test')) && stack.sink.messages.some((m) => m.to.includes('client@customer.test')) ? true : undefined), 20000, 'the forward and the autoreply');

      const expected = { received: 5, inbox: 2, junk: 1, quarantined: 1, refused_rcpt: 1, refused_data: 2, forwarded: 1, autoreplies: 1 };
      const all = await expectStats([], expected);
      // bytes: each copy as Haraka holds it (X-Spam and trace headers added): more than was sent, not much more
      const sent = sizes.reduce((a, b) => a + b, 0);
      assert.ok(all.bytes >= sent && all.bytes < sent + sizes.length * 3000, `bytes ${all.bytes}, sent ${sent}`);
      assert.deepEqual(await expectStats(['--domain', D], expected), all);
      const held = await expectStats(['--mailbox', `held@${D}`], { received: 1, quarantined: 1 });
      assert.ok(held.bytes >= bad.size && held.bytes < bad.size + 3000, `held bytes ${held.bytes}`);
      await expectStats(['--mailbox', `junked@${D}`], { received: 1, junk: 1 });
      await expectStats(['--mailbox', `away@${D}`], { received: 1, inbox: 1, autoreplies: 1 });
      await expectStats(['--mailbox', `ham@${D}`], { received: 1, inbox: 1, refused_data: 1 });
      await expectStats(['--mailbox', `rej@${D}`], { refused_data: 1 });
    });
  });
}
