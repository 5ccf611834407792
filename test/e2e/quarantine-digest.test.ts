// The digest end to end: mail held by real Haraka over SMTP, the report sent by SMTP to the
// loopback smarthost, and its signed links followed over HTTP without logging in: GET only
// asks, POST acts once; a link of one mailbox cannot act on another's message; tampered and
// expired links are refused and change nothing.
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { simpleParser } from 'mailparser';
import { engines } from '../helpers/db';
import { useMailStack } from '../helpers/e2e';
import { sendMessage } from '../helpers/smtp';
import { QUARANTINE_PLUGINS, provisionQuarantine, hostileMessage } from '../helpers/quarantine';
import { createApp } from '../../admin/app';
import { loadSettings, type Settings } from '../../lib/core';
import { listQuarantine, runDigests, smtpSender, linkSecret, signLink } from '../../lib/quarantine';
import { session } from '../admin/helpers';

for (const engine of engines()) {
  describe(`quarantine digest over SMTP with signed links [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({ engine, plugins: QUARANTINE_PLUGINS, provision: provisionQuarantine });
    let app: Express;
    let settings: Settings;
    let secret: string;
    let links: string[] = [];
    const held = async (mailbox: string) => (await listQuarantine(stack.db, { mailbox, status: 'held' })).rows;

    before(async () => {
      settings = loadSettings({ MAILHOST_DATA: stack.dataDir, MAILHOST_DB: stack.t.url, MAILHOST_RELAY: `127.0.0.1:${stack.sink.port}` });
      app = createApp({ db: stack.db, settings, sessionSecret: 'digest-test', sessionCleanupMs: 0 });
      secret = linkSecret(stack.dataDir, {});
      stack.env.MAILHOST_RELAY = `127.0.0.1:${stack.sink.port}`; // for the CLI
      for (const to of ['alice@a.test', 'bob@b.test']) assert.equal((await sendMessage(stack.haraka.port, 'prize@lottery.test', [to], hostileMessage(to))).data?.code, 250);
    });

    it('arrives at the smarthost for each mailbox holding mail, with one link per action and row', async () => {
      const r = await runDigests(stack.db, { force: true, send: smtpSender(settings), secret, baseUrl: 'https://mail.example.net' });
      assert.deepEqual(r.sent.map((s) => s.mailbox).sort(), ['alice@a.test', 'bob@b.test']);
      const msgs = await stack.sink.waitFor(2);
      const forAlice = msgs.find((m) => m.to.includes('alice@a.test'));
      assert.ok(forAlice);
      const mail = await simpleParser(forAlice.raw);
      assert.match(mail.subject ?? '', /Quarantine report for alice@a\.test: 1 message/);
      assert.doesNotMatch(String(mail.html), /<script>alert/);
      links = [...String(mail.text).matchAll(/https:\/\/mail\.example\.net(\/q\/[A-Za-z0-9_.-]+)/g)].map((m) => m[1]);
      assert.equal(links.length, 3, 'release, preview, not spam');
    });

    it('GET on a link only asks: nothing changes', async () => {
      const visitor = session(app);
      for (const l of links) {
        const page = await visitor.get(l);
        assert.equal(page.status, 200, l);
        assert.doesNotMatch(page.text, /<script>alert/);
      }
      assert.equal((await held('alice@a.test')).length, 1);
      assert.equal(stack.maildir('alice@a.test').length, 0);
      assert.equal(await stack.db('quarantine_reviews').first(), undefined);
    });

    it('POST on the release link delivers it once; the same link again is refused', async () => {
      const visitor = session(app);
      const release = links[0];
      const page = await visitor.get(release);
      assert.match(page.text, /id="link-confirm"/);
      const done = await visitor.post(release);
      assert.equal(done.status, 200);
      assert.match(done.text, /id="link-done"/);
      assert.equal(stack.maildir('alice@a.test').length, 1);
      const again = await visitor.post(release);
      assert.equal(again.status, 409);
      assert.match(again.text, /already been released/);
      assert.equal(stack.maildir('alice@a.test').length, 1);
    });

    it("a link made for mailbox A cannot act on mailbox B's message", async () => {
      const [bobs] = await held('bob@b.test');
      const alice = await stack.db('mailboxes').where({ address: 'alice@a.test' }).first('id');
      const forged = `/q/${signLink(secret, { action: 'release', row: bobs.id, mailbox: Number(alice.id), expiresMs: Date.now() + 86_400_000 })}`;
      const visitor = session(app);
      assert.equal((await visitor.get(forged)).status, 404);
      const post = await visitor.post(forged);
      assert.equal(post.status, 404);
      assert.match(post.text, /id="link-refused"/);
      assert.equal((await held('bob@b.test')).length, 1);
      assert.equal(stack.maildir('bob@b.test').length, 0);
    });

    it('a tampered or expired link is refused and changes nothing', async () => {
      const [bobs] = await held('bob@b.test');
      const bob = await stack.db('mailboxes').where({ address: 'bob@b.test' }).first('id');
      const good = signLink(secret, { action: 'release', row: bobs.id, mailbox: Number(bob.id), expiresMs: Date.now() + 86_400_000 });
      const [payload, sig] = good.split('.');
      const otherRow = Buffer.from(Buffer.from(payload, 'base64url').toString().replace(`.${bobs.id}.`, `.${bobs.id + 1}.`)).toString('base64url');
      const visitor = session(app);
      for (const bad of [`${otherRow}.${sig}`, `${payload}.${sig.slice(0, -2)}xx`, 'garbage']) {
        const r = await visitor.post(`/q/${bad}`);
        assert.equal(r.status, 403, bad);
        assert.match(r.text, /not valid/);
      }
      const expired = signLink(secret, { action: 'release', row: bobs.id, mailbox: Number(bob.id), expiresMs: Date.now() - 1000 });
      const r = await visitor.post(`/q/${expired}`);
      assert.equal(r.status, 410);
      assert.match(r.text, /expired/);
      assert.equal((await held('bob@b.test')).length, 1);
      assert.equal(stack.maildir('bob@b.test').length, 0);
      // and the genuine link still works
      assert.equal((await visitor.post(`/q/${good}`)).status, 200);
      assert.equal(stack.maildir('bob@b.test').length, 1);
    });

    it('CLI: mailbox set --digest, digest show prints the report, digest run --mailbox --force sends it', async () => {
      await stack.cli('mailbox', 'set', 'bob@b.test', '--digest', 'weekly');
      assert.equal((await stack.db('mailboxes').where({ address: 'bob@b.test' }).first('digest_frequency')).digest_frequency, 'weekly');
      assert.equal((await sendMessage(stack.haraka.port, 'shop@store.test', ['bob@b.test'], hostileMessage('bob@b.test', 'Shop <shop@store.test>'))).data?.code, 250);
      const shown = await stack.cli('digest', 'show', 'bob@b.test');
      assert.match(shown, /^To: bob@b\.test$/m);
      assert.match(shown, /^Frequency: weekly$/m);
      assert.match(shown, /shop@store\.test/);
      const before = stack.sink.messages.length;
      assert.equal(stack.sink.messages.length, before, 'show sends nothing');
      const out = await stack.cli('digest', 'run', '--mailbox', 'bob@b.test', '--force');
      assert.match(out, /1 report\(s\) sent/);
      const msgs = await stack.sink.waitFor(before + 1);
      assert.ok(msgs.slice(before).some((m) => m.to.includes('bob@b.test')));
      // nothing new since: a second forced run has nothing to report
      assert.match(await stack.cli('digest', 'run', '--mailbox', 'bob@b.test', '--force'), /0 report\(s\) sent, 1 mailbox\(es\) with nothing held/);
    });
  });
}
