// The quarantine space end to end: mail held by real Haraka over SMTP, then the admin pages over
// HTTP as the mailbox owner, another user, the clients and the admin: who sees what (404
// outside one's scope), a hostile message previewed escaped, release once into the Maildir,
// bulk delete, the "not spam" report with its notice at the loopback smarthost and its review.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Express } from 'express';
import { engines } from '../helpers/db';
import { useMailStack } from '../helpers/e2e';
import { sendMessage } from '../helpers/smtp';
import { createApp } from '../../admin/app';
import { loadSettings } from '../../lib/core';
import { listQuarantine } from '../../lib/quarantine';
import { login, rowIds, type Session } from '../admin/helpers';

import { QUARANTINE_PLUGINS as PLUGINS, provisionQuarantine as provision, hostileMessage } from '../helpers/quarantine';

for (const engine of engines()) {
  describe(`quarantine space over SMTP and HTTP [${engine}]`, function () {
    this.timeout(60000);
    const stack = useMailStack({ engine, plugins: PLUGINS, provision });
    let app: Express;
    const sessions: Record<string, Session> = {};
    const as = async (who: string) => (sessions[who] ??= await login(app, who));
    const held = async (mailbox: string) => (await listQuarantine(stack.db, { mailbox, limit: 100 })).rows;

    before(async () => {
      const settings = loadSettings({ MAILHOST_DATA: stack.dataDir, MAILHOST_DB: stack.t.url, MAILHOST_RELAY: `127.0.0.1:${stack.sink.port}` });
      app = createApp({ db: stack.db, settings, sessionSecret: 'quarantine-test', sessionCleanupMs: 0 });
      for (const to of ['alice@a.test', 'info@a.test', 'bob@b.test']) {
        const tr = await sendMessage(stack.haraka.port, 'prize@lottery.test', [to], hostileMessage(to));
        assert.equal(tr.data?.code, 250, JSON.stringify(tr));
      }
    });

    it("lists a message held over SMTP in its owner's list, also when it came through an alias", async () => {
      const rows = await held('alice@a.test');
      assert.equal(rows.length, 2, 'one to alice@, one through the alias info@');
      const page = await (await as('alice@a.test')).get('/quarantine');
      assert.equal(page.status, 200);
      assert.deepEqual(rowIds(page.text).sort(), rows.map((r) => r.id).sort());
      assert.match(page.text, /<meter class="score-bar"/);
      assert.match(page.text, /Held messages are deleted 14 days after they arrived/);
      assert.doesNotMatch(page.text, /<script>alert/);
      // bob's own list holds his message only
      const bobRows = await held('bob@b.test');
      assert.deepEqual(rowIds((await (await as('bob@b.test')).get('/quarantine')).text), bobRows.map((r) => r.id));
    });

    it('is 404 for another user and for the client of another domain; visible to its client and the admin', async () => {
      const [row] = await held('alice@a.test');
      assert.equal((await (await as('bob@b.test')).get(`/quarantine/${row.id}`)).status, 404);
      assert.equal((await (await as('clientb')).get(`/quarantine/${row.id}`)).status, 404);
      assert.equal((await (await as('bob@b.test')).post(`/quarantine/${row.id}/release`)).status, 404);
      assert.equal((await (await as('clientb')).get('/quarantine')).text.includes(`data-id="${row.id}"`), false);
      assert.equal((await (await as('clienta')).get(`/quarantine/${row.id}`)).status, 200);
      assert.equal((await (await as('admin')).get(`/quarantine/${row.id}`)).status, 200);
    });

    it('previews headers, text, the HTML part escaped in a sandboxed frame, attachments listed but never served', async () => {
      const [row] = await held('alice@a.test');
      const page = await (await as('alice@a.test')).get(`/quarantine/${row.id}`);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.text, /<script>alert/);
      assert.match(page.text, /&lt;script&gt;alert\(&#34;subject&#34;\)&lt;\/script&gt; Win/);
      assert.match(page.text, /Plain &lt;b&gt;text&lt;\/b&gt; part/);
      const frame = /<iframe class="preview-frame[^"]*" sandbox="" [^>]*srcdoc="([^"]*)"/.exec(page.text);
      assert.ok(frame, 'a sandboxed frame');
      // the frame's document, once the attribute is decoded: sanitised structure, its own CSP, nothing loads
      const doc = frame[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
      assert.match(doc, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'">/);
      assert.doesNotMatch(doc, /<img|<script|onerror|images\.evil\.test|alert/);
      assert.match(doc, /<p>Click <b>here<\/b><\/p>/);
      assert.match(page.text, /invoice\.pdf/);
      assert.match(page.text, /application\/pdf/);
      assert.doesNotMatch(page.text, /href="[^"]*invoice\.pdf/);
    });

    it('releases once into the Maildir, bypassing the filter; a second release is refused', async () => {
      const [row] = await held('alice@a.test');
      const alice = await as('alice@a.test');
      assert.equal(stack.maildir('alice@a.test').length, 0);
      const confirm = await alice.get(`/quarantine/${row.id}/release`);
      assert.match(confirm.text, /name="accept" id="accept-sender"/);
      const first = await alice.post(`/quarantine/${row.id}/release`, { accept: 'sender' });
      assert.equal(first.status, 200);
      assert.match(first.text, /id="release-done"/);
      const files = stack.maildir('alice@a.test');
      assert.equal(files.length, 1);
      assert.match(fs.readFileSync(files[0], 'utf8'), /^X-Spam-Status: No, released from quarantine/m);
      const allowed = await stack.db('sender_lists').where({ mailbox_id: row.mailbox_id, kind: 'allow' }).first();
      assert.equal(allowed?.pattern, 'prize@lottery.test');
      const second = await alice.post(`/quarantine/${row.id}/release`, { accept: 'none' });
      assert.equal(second.status, 409);
      assert.equal(stack.maildir('alice@a.test').length, 1, 'still one copy');
    });

    it('bulk-deletes the checked rows; a row out of scope makes the whole request 404', async () => {
      const mine = (await held('alice@a.test')).filter((r) => !r.released).map((r) => String(r.id));
      const [bobs] = await held('bob@b.test');
      const refused = await (await as('alice@a.test')).post('/quarantine/bulk', { bulk: 'delete', ids: [...mine, String(bobs.id)] });
      assert.equal(refused.status, 404);
      assert.equal((await held('bob@b.test')).length, 1);
      assert.equal((await held('alice@a.test')).filter((r) => !r.released).length, mine.length, 'nothing deleted');
      const done = await (await as('alice@a.test')).post('/quarantine/bulk', { bulk: 'delete', ids: mine });
      assert.equal(done.status, 303);
      assert.equal((await held('alice@a.test')).filter((r) => !r.released).length, 0);
    });

    it('"not spam" queues a review for the client, with a notice; the client teaches ham and releases', async () => {
      const [row] = await held('bob@b.test');
      // bob's domain belongs to client B, who has no address: the notice goes to nobody, the request is queued
      await (await as('bob@b.test')).post(`/quarantine/${row.id}/report`);
      const review = await stack.db('quarantine_reviews').where({ quarantine_id: row.id }).first();
      assert.equal(review.kind, 'not_spam');
      assert.equal((await (await as('clienta')).get('/reviews')).text.includes(`data-id="${review.id}"`), false, 'not for client A');
      const list = await (await as('clientb')).get('/reviews');
      assert.ok(rowIds(list.text).includes(Number(review.id)));
      const open = await (await as('clientb')).get(`/reviews/${review.id}`);
      assert.equal(open.status, 303);
      assert.equal(open.headers.location, `/quarantine/${row.id}`);
      assert.equal((await (await as('clienta')).get(`/reviews/${review.id}`)).status, 404);
      const r = await (await as('clientb')).post(`/reviews/${review.id}/do/learn`);
      assert.equal(r.status, 303);
      assert.equal((await stack.db('quarantine_reviews').where({ id: review.id }).first()).status, 'learned');
      assert.equal(stack.maildir('bob@b.test').length, 1);
      assert.ok(await stack.db('bayes_learned').where({ class: 'ham' }).first(), 'learned as ham');
    });

    it("a report on client A's domain mails client A a notice through the smarthost", async () => {
      const tr = await sendMessage(stack.haraka.port, 'other@lottery2.test', ['alice@a.test'], hostileMessage('alice@a.test'));
      assert.equal(tr.data?.code, 250);
      const row = (await held('alice@a.test')).find((r) => !r.released)!;
      const before = stack.sink.messages.length;
      await (await as('alice@a.test')).post(`/quarantine/${row.id}/report`);
      const msgs = await stack.sink.waitFor(before + 1);
      const notice = msgs.slice(before).find((m) => m.to.includes('clienta@remote.test'));
      assert.ok(notice, 'notice at the sink');
      assert.match(notice.raw.toString(), /alice@a\.test/);
    });

    it('with release requests on (domain form), a user only asks; the client approves and the user is told', async () => {
      const world = await stack.db('domains').where({ name: 'b.test' }).first('id');
      const saved = await (await as('clientb')).post(`/domains/${world.id}?tab=quarantine`, { digest_default: 'weekly', release_requests: '1' });
      assert.equal(saved.status, 303);
      assert.deepEqual(await stack.db('domains').where({ id: world.id }).first('digest_default', 'release_requests').then((r) => [r.digest_default, !!r.release_requests]), ['weekly', true]);
      assert.equal((await sendMessage(stack.haraka.port, 'shop@store.test', ['bob@b.test'], hostileMessage('bob@b.test', 'Shop <shop@store.test>'))).data?.code, 250);
      const row = (await held('bob@b.test')).find((r) => !r.released)!;
      const inbox = stack.maildir('bob@b.test').length;
      const asked = await (await as('bob@b.test')).post(`/quarantine/${row.id}/release`, { accept: 'none' });
      assert.match(asked.text, /id="release-requested"/);
      assert.equal(stack.maildir('bob@b.test').length, inbox, 'not released yet');
      const review = await stack.db('quarantine_reviews').where({ quarantine_id: row.id, kind: 'release' }).first();
      const before = stack.sink.messages.length;
      assert.equal((await (await as('clientb')).post(`/reviews/${review.id}/do/release`)).status, 303);
      assert.equal(stack.maildir('bob@b.test').length, inbox + 1);
      const msgs = await stack.sink.waitFor(before + 1);
      assert.ok(msgs.slice(before).some((m) => m.to.includes('bob@b.test') && /released/.test(m.raw.toString())), 'bob is told');
    });

    it("a mailbox owner chooses the report's frequency and address on the quarantine tab", async () => {
      const alice = await stack.db('mailboxes').where({ address: 'alice@a.test' }).first('id');
      const r = await (await as('alice@a.test')).post(`/mailboxes/${alice.id}?tab=quarantine`, { digest_frequency: 'monthly', digest_to: 'alice.private@example.org' });
      assert.equal(r.status, 303);
      const row = await stack.db('mailboxes').where({ id: alice.id }).first('digest_frequency', 'digest_to');
      assert.deepEqual([row.digest_frequency, row.digest_to], ['monthly', 'alice.private@example.org']);
      const bad = await (await as('alice@a.test')).post(`/mailboxes/${alice.id}?tab=quarantine`, { digest_frequency: 'hourly', digest_to: '' });
      assert.equal(bad.status, 422);
    });
  });
}
