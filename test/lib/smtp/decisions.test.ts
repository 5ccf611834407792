// The two SMTP decisions as the plugins see them: one call each, on a real database.
import assert from 'node:assert/strict';
import { describeEachEngineShared } from '../../helpers/sharedEngineDb';
import { createDomain, createMailbox, createAlias, sqlDirectory } from '../../../lib/directory';
import { addListEntry, createPolicy, assignPolicy } from '../../../lib/policy';
import { finalTargets } from '../../../lib/delivery';
import { decideRecipient, decideMessage } from '../../../lib/smtp';
import type { Db } from '../../../lib/core';

const MSG = (subject: string, body: string) => Buffer.from(`From: Sender <s@remote.test>\r\nTo: jean@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);

async function base(db: Db): Promise<void> {
  await createDomain(db, { name: 'example.com' });
  await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
  await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' });
  await createAlias(db, { address: 'team@example.com', targets: ['jean@example.com', 'marie@example.com'] });
}

describeEachEngineShared('SMTP decisions', ({ t }) => {
  const rcpt = (db: Db, input: string, mailFrom = 's@remote.test', relaying = false) =>
    decideRecipient(db, sqlDirectory(db), { input, mailFrom, relaying }, {}, { keys: [], rows: [] });

  it('accepts a recipient with its targets, refuses unknown, relay and a blocked sender with their replies', async () => {
    const { db } = t();
    await base(db);
    const ok = await rcpt(db, 'team@example.com');
    assert.equal(ok.action, 'accept');
    if (ok.action === 'accept') assert.deepEqual(ok.note.targets.map((x) => (x.kind === 'local' ? x.mailbox.address : x.address)).sort(), ['jean@example.com', 'marie@example.com']);
    const unknown = await rcpt(db, 'ghost@example.com');
    assert.deepEqual(unknown.action === 'refuse' && [unknown.reply.code, unknown.reply.dsn], [550, '5.1.1']);
    const relay = await rcpt(db, 'x@elsewhere.test');
    assert.deepEqual(relay.action === 'refuse' && [relay.reply.code, relay.reply.dsn], [550, '5.7.1']);
    assert.deepEqual(await rcpt(db, 'x@elsewhere.test', 's@remote.test', true), { action: 'relay', recipient: 'x@elsewhere.test' });
    await addListEntry(db, { mailbox: 'jean@example.com', kind: 'block', pattern: 's@remote.test' });
    const partly = await rcpt(db, 'team@example.com');
    assert.equal(partly.action, 'accept');
    if (partly.action === 'accept') {
      assert.deepEqual(partly.note.targets.map((x) => x.kind === 'local' && x.mailbox.address), ['marie@example.com']);
      assert.deepEqual(partly.skipped, ['jean@example.com:sender_blocked']);
    }
    const blocked = await rcpt(db, 'jean@example.com');
    assert.deepEqual(blocked.action === 'refuse' && [blocked.reply.code, blocked.reply.text], [550, 'Sender blocked by the recipient']);
  });

  it('decides the message for every target by its own policy, and refuses only when all reject', async () => {
    const { db } = t();
    await base(db);
    await createPolicy(db, { name: 'strict', action: 'reject' });
    await assignPolicy(db, { mailbox: 'jean@example.com' }, 'strict');
    // a header From on the domain's block list (trusted: DKIM passed for it) makes the message spam
    await addListEntry(db, { domain: 'example.com', kind: 'block', pattern: 'spammer@bad.test' });
    const decide = async (to: string, raw: Buffer, headerFrom = 's@remote.test') => {
      const d = await decideRecipient(db, sqlDirectory(db), { input: to, mailFrom: 'bounce@lists.test', relaying: false }, {}, { keys: [], rows: [] });
      assert.equal(d.action, 'accept');
      const notes = { recipients: d.action === 'accept' ? [d.note] : [], fates: {} };
      return decideMessage(db, { raw, targets: finalTargets(notes), fates: {}, mailFrom: 'bounce@lists.test', headerFrom, external: { dkimPass: ['bad.test'] } });
    };
    const ham = await decide('team@example.com', MSG('Lunch', 'See you at noon.'));
    assert.equal(ham.rejected, null);
    assert.deepEqual(ham.fates.map((f) => f.fate.action), ['inbox', 'inbox']);
    assert.equal(ham.headers.find((h) => h.name === 'X-Spam-Flag')?.value, 'NO');
    const spamToTeam = await decide('team@example.com', MSG('Offer', 'Buy now.'), 'spammer@bad.test');
    assert.equal(spamToTeam.rejected, null); // marie's policy keeps it
    assert.deepEqual(spamToTeam.fates.map((f) => f.fate.reason?.split(':')[0]), ['spam', 'spam']);
    const spamToJean = await decide('jean@example.com', MSG('Offer', 'Buy now.'), 'spammer@bad.test');
    assert.equal(spamToJean.rejected, 'spam');
  });
});
