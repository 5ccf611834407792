// Releasing from the quarantine space and the review queue, on both engines: a virus only by an
// admin, once only, with the sender, its domain or the newsletter accepted from now on; a review
// decided once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describeEachEngine } from '../../helpers/db';
import { createDomain, createMailbox } from '../../../lib/directory';
import { maildirPath } from '../../../lib/delivery';
import { storeQuarantined, releaseHeld, requestReview, decideReview, forgetReviewLesson } from '../../../lib/quarantine';
import { learn, forget, learnedAs } from '../../../lib/spam';

describeEachEngine('quarantine space actions', ({ t }) => {
  async function held(category: string) {
    const { db } = t();
    await createDomain(db, { name: 'example.com' }).catch(() => undefined);
    const mb = await db('mailboxes').where({ address: 'owner@example.com' }).first('id');
    const mailboxId = mb ? Number(mb.id) : (await createMailbox(db, { address: 'owner@example.com', password: 'Secret-pass-42' })).mailbox.id;
    const raw = Buffer.from('From: news@shop.example.org\r\nSubject: hi\r\n\r\nbody\r\n');
    const [id] = await storeQuarantined(db, raw, [{ mailboxId, category }], { mailFrom: 'news@shop.example.org', headerFrom: 'news@shop.example.org', subject: 'hi', score: 7, reasons: [] });
    return { db, id, mailboxId };
  }
  const inbox = () => {
    const dir = path.join(maildirPath(t().dir, 'owner@example.com'), 'new');
    return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
  };

  it('a virus is released by an admin only', async () => {
    const { db, id } = await held('virus');
    await assert.rejects(releaseHeld(db, id, { dataDir: t().dir }), /only be released by an administrator/);
    assert.equal(inbox(), 0);
    await releaseHeld(db, id, { dataDir: t().dir, admin: true });
    assert.equal(inbox(), 1);
  });

  it("releases once, accepting the sender's domain; a second release is refused", async () => {
    const { db, id, mailboxId } = await held('spam');
    const r = await releaseHeld(db, id, { dataDir: t().dir, accept: 'domain', mailbox: 'owner@example.com' });
    assert.equal(r.accepted, '*@shop.example.org');
    assert.ok(await db('sender_lists').where({ mailbox_id: mailboxId, kind: 'allow', pattern: '*@shop.example.org' }).first());
    await assert.rejects(releaseHeld(db, id, { dataDir: t().dir }), /already been released/);
    assert.equal(inbox(), 1);
  });

  it('accepts a newsletter from now on, and refuses that choice for anything else', async () => {
    const spam = await held('spam');
    await assert.rejects(releaseHeld(spam.db, spam.id, { dataDir: t().dir, accept: 'newsletter' }), /only a newsletter/);
    assert.equal(inbox(), 0, 'nothing delivered on a refused choice');
    const nl = await held('newsletter');
    await releaseHeld(nl.db, nl.id, { dataDir: t().dir, accept: 'newsletter' });
    assert.ok(await nl.db('sender_lists').where({ mailbox_id: nl.mailboxId, kind: 'newsletter', pattern: 'news@shop.example.org' }).first());
  });

  it('a review request is decided once', async () => {
    const { db, id } = await held('spam');
    const { review, created } = await requestReview(db, id, { kind: 'not_spam' });
    assert.equal(created, true);
    assert.equal((await requestReview(db, id, { kind: 'not_spam' })).created, false, 'asking twice gives the same request');
    const decided = await decideReview(db, review.id, 'allow', { dataDir: t().dir, by: 'clienta', admin: false });
    assert.equal(decided.status, 'allowed');
    assert.equal(inbox(), 1);
    await assert.rejects(decideReview(db, review.id, 'dismiss', { dataDir: t().dir, by: 'clienta', admin: false }), /already been decided/);
  });

  it('"forget" undoes what a "learn" decision taught the filter, once', async () => {
    const { db, id } = await held('spam');
    const domainId = Number((await db('domains').where({ name: 'example.com' }).first('id')).id);
    const raw = Buffer.from('From: news@shop.example.org\r\nSubject: hi\r\n\r\nbody\r\n');
    const { review } = await requestReview(db, id, { kind: 'not_spam' });
    await decideReview(db, review.id, 'learn', { dataDir: t().dir, by: 'clienta', admin: false, learn: (d, r, as, o) => learn(d, r, as, { scope: o.domainId }) });
    assert.equal(await learnedAs(db, raw, { scope: domainId }), 'ham');
    const forgotten = await forgetReviewLesson(db, review.id, { by: 'clienta', forget: (d, r, o) => forget(d, r, { scope: o.domainId }) });
    assert.equal(forgotten.status, 'forgotten');
    assert.equal(await learnedAs(db, raw, { scope: domainId }), null);
    await assert.rejects(forgetReviewLesson(db, review.id, { by: 'clienta', forget: (d, r, o) => forget(d, r, { scope: o.domainId }) }), /nothing learned/);
    assert.equal(inbox(), 1, 'the release stands');
  });
});
