// What the plugin will do for one accepted message: notes built by real recipient
// resolution (direct, alias, catch-all), the spam step's fates, replies and away-forwards.
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { describeEachEngineShared as describeEachEngine } from '../../helpers/sharedEngineDb';
import type { Db } from '../../../lib/core';
import { createDomain, createMailbox, createAlias, sqlDirectory, resolveRecipient } from '../../../lib/directory';
import { finalTargets, type MailhostNotes } from '../../../lib/delivery';
import { createAutoreply, planReplies, addAwayForwards, addAttachment, listMemory, anyActive } from '../../../lib/autoreply';

const T0 = new Date('2026-12-01T10:00:00.000Z');

async function setup(db: Db) {
  await createDomain(db, { name: 'exemple.fr' });
  await createMailbox(db, { address: 'zoe@exemple.fr', password: 'Secret-pass-123', name: 'Zoé Élan', language: 'fr' });
  await createMailbox(db, { address: 'paul@exemple.fr', password: 'Secret-pass-123' });
  await createAlias(db, { address: 'contact@exemple.fr', targets: ['zoe@exemple.fr'] });
  await createAlias(db, { address: 'equipe@exemple.fr', targets: ['zoe@exemple.fr', 'paul@exemple.fr'] });
  await createAlias(db, { address: '*@exemple.fr', targets: ['zoe@exemple.fr'] });
}

async function notesFor(db: Db, rcpts: string[]): Promise<MailhostNotes> {
  const notes: MailhostNotes = { recipients: [], fates: {} };
  for (const rcpt of rcpts) {
    const r = await resolveRecipient(sqlDirectory(db), rcpt);
    assert.equal(r.status, 'local', `${rcpt}: ${JSON.stringify(r)}`);
    if (r.status === 'local') notes.recipients.push({ rcpt, recipient: r.recipient, targets: r.targets });
  }
  return notes;
}

function message(headers: Record<string, string> = {}, body = 'Bonjour Zoé,\r\nPouvez-vous m’envoyer le devis ?\r\n'): Buffer {
  const h: Record<string, string> = {
    From: 'Jean Client <jean@client.example>',
    To: 'contact@exemple.fr',
    Subject: '=?UTF-8?Q?Demande_de_devis_=C3=A9t=C3=A9?=',
    'Message-ID': '<orig.1@client.example>',
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': '8bit',
    ...headers,
  };
  return Buffer.from(`${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

const zoeKey = (notes: MailhostNotes) => finalTargets(notes).find((t) => t.target.kind === 'local' && t.target.mailbox.address === 'zoe@exemple.fr')!.key;

describeEachEngine('autoreply plan (per message)', ({ t }) => {
  it('one reply per autoresponder, whatever the paths (direct + alias + group + catch-all)', async () => {
    const { db } = t();
    await setup(db);
    await createAutoreply(db, 'zoe@exemple.fr', { bodyText: "Je suis absente jusqu'au 3 août.", enabled: true });
    const notes = await notesFor(db, ['zoe@exemple.fr', 'contact@exemple.fr', 'equipe@exemple.fr', 'inconnu@exemple.fr']);
    const plan = await planReplies({ db, notes, mailFrom: 'jean@client.example', message: message(), now: T0 });
    assert.equal(plan.replies.length, 1, JSON.stringify(plan.skipped));
    const r = plan.replies[0];
    assert.equal(r.mailbox, 'zoe@exemple.fr');
    assert.equal(r.to, 'jean@client.example');
    assert.equal(r.reply.mailFrom, '');
    assert.deepEqual(r.reply.rcptTo, ['jean@client.example']);
    const mail = await simpleParser(r.reply.raw);
    assert.equal(mail.subject, 'Re: Demande de devis été');
    assert.equal(mail.inReplyTo, '<orig.1@client.example>');
    assert.equal(mail.text!.trim(), "Je suis absente jusqu'au 3 août.");
    // the same message again (another worker, a retry): the memory says no
    const again = await planReplies({ db, notes, mailFrom: 'jean@client.example', message: message(), now: T0 });
    assert.deepEqual(again.replies, []);
    assert.deepEqual(again.skipped.map((s) => s.reason), ['limit']);
  });

  it('through the catch-all alone', async () => {
    const { db } = t();
    await setup(db);
    await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'Absente.', enabled: true });
    const plan = await planReplies({ db, notes: await notesFor(db, ['nimportequoi@exemple.fr']), mailFrom: 'jean@client.example', message: message(), now: T0 });
    assert.equal(plan.replies.length, 1);
  });

  it('spam for the recipient reached through an alias: no reply', async () => {
    const { db } = t();
    await setup(db);
    await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'Absente.', enabled: true });
    for (const fate of [
      { action: 'quarantine' as const, reason: 'spam: score at or above 5' },
      { action: 'junk' as const, reason: 'spam: score at or above 5' },
      { action: 'inbox' as const, subjectTag: '*****SPAM*****', reason: 'spam: score at or above 5, tagged' },
      { action: 'drop' as const, reason: 'virus: deleted by policy' },
    ]) {
      const notes = await notesFor(db, ['contact@exemple.fr']);
      notes.fates[zoeKey(notes)] = fate;
      const plan = await planReplies({ db, notes, mailFrom: 'jean@client.example', message: message(), now: T0 });
      assert.deepEqual(plan.replies, [], JSON.stringify(fate));
      assert.match(plan.skipped[0].reason, /spam|virus/);
    }
    // the message-wide verdict counts when the spam step left nothing per target
    const notes = await notesFor(db, ['contact@exemple.fr']);
    notes.verdict = { category: 'spam', score: 9 };
    assert.deepEqual((await planReplies({ db, notes, mailFrom: 'jean@client.example', message: message(), now: T0 })).replies, []);
    assert.deepEqual(await listMemory(db, (await db('autoreplies').first('id')).id), [], 'a suppressed message uses no slot');
  });

  it('every autoresponder of the mailbox whose condition matches answers; attachments included', async () => {
    const { db } = t();
    await setup(db);
    const f = await addAttachment(db, 'zoe@exemple.fr', { filename: 'tarifs.pdf', content: Buffer.from('%PDF tarifs') });
    await createAutoreply(db, 'zoe@exemple.fr', { name: 'Absence', bodyText: 'Absente.', enabled: true });
    await createAutoreply(db, 'zoe@exemple.fr', { name: 'Devis', bodyText: 'Voici nos tarifs.', enabled: true, condition: 'subject_contains', conditionText: 'devis été', attachmentIds: [f.id] });
    await createAutoreply(db, 'zoe@exemple.fr', { name: 'Commande', bodyText: 'Merci.', enabled: true, condition: 'body_contains', conditionText: 'bon de commande' });
    const plan = await planReplies({ db, notes: await notesFor(db, ['zoe@exemple.fr']), mailFrom: 'jean@client.example', message: message(), now: T0 });
    assert.equal(plan.replies.length, 2);
    const parsed = await Promise.all(plan.replies.map((r) => simpleParser(r.reply.raw)));
    const devis = parsed.find((m) => m.text!.includes('tarifs'))!;
    assert.equal(devis.attachments[0].filename, 'tarifs.pdf');
    assert.equal(parsed.find((m) => m.text!.includes('Absente'))!.attachments.length, 0);
    const body = await planReplies({ db, notes: await notesFor(db, ['paul@exemple.fr', 'zoe@exemple.fr']), mailFrom: 'marie@client.example', message: message({ Subject: 'Autre' }, 'Voici mon bon de COMMANDE.\r\n'), now: T0 });
    assert.deepEqual(body.replies.map((r) => r.to), ['marie@client.example', 'marie@client.example']);
  });

  it('answers a safe Reply-To, suppresses list mail and robots, nothing on release', async () => {
    const { db } = t();
    await setup(db);
    await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'Absente.', enabled: true, maxPerDay: 10 });
    const notes = await notesFor(db, ['zoe@exemple.fr']);
    const plan = await planReplies({ db, notes, mailFrom: 'jean.client@mail.client.example', message: message({ 'Reply-To': 'jean.perso@client.example' }), now: T0 });
    assert.equal(plan.replies[0]?.to, 'jean.perso@client.example');
    for (const [headers, reason] of [
      [{ 'List-Id': '<x.client.example>' }, 'list_message'],
      [{ Precedence: 'bulk' }, 'precedence'],
      [{ 'Auto-Submitted': 'auto-replied' }, 'auto_submitted'],
    ] as const) {
      const p = await planReplies({ db, notes, mailFrom: 'jean@client.example', message: message(headers), now: T0 });
      assert.deepEqual(p.skipped.map((s) => s.reason), [reason]);
    }
    assert.deepEqual((await planReplies({ db, notes, mailFrom: '', message: message(), now: T0 })).skipped.map((s) => s.reason), ['null_sender']);
    assert.deepEqual((await planReplies({ db, notes, mailFrom: 'contact@exemple.fr', message: message(), now: T0 })).skipped.map((s) => s.reason), ['own_address']);
    assert.deepEqual((await planReplies({ db, notes: { ...notes, released: true } as MailhostNotes, mailFrom: 'jean@client.example', message: message(), now: T0 })).skipped.map((s) => s.reason), ['released']);
  });

  it('away forward: added as an external target of the same recipient, not for spam, not twice', async () => {
    const { db } = t();
    await setup(db);
    await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'Absente.', enabled: true, forwardTo: 'remplacant@client.example' });
    const notes = await notesFor(db, ['contact@exemple.fr', 'zoe@exemple.fr']);
    const added = await addAwayForwards(db, notes, message(), T0);
    assert.deepEqual(added.map((a) => a.forwardTo), ['remplacant@client.example']);
    const external = finalTargets(notes).filter((x) => x.target.kind === 'external');
    assert.equal(external.length, 1);
    assert.equal(external[0].key, 'E:remplacant@client.example');
    assert.deepEqual(external[0].rcpts, ['contact@exemple.fr']);
    assert.deepEqual(await addAwayForwards(db, notes, message(), T0), [], 'idempotent');
    // spam, or already delivered there (loop): no forward
    const spam = await notesFor(db, ['zoe@exemple.fr']);
    spam.fates[zoeKey(spam)] = { action: 'junk', reason: 'spam: score at or above 5' };
    assert.deepEqual(await addAwayForwards(db, spam, message(), T0), []);
    assert.deepEqual(await addAwayForwards(db, await notesFor(db, ['zoe@exemple.fr']), message(), T0, ['<remplacant@client.example>']), []);
    // outside the window: no forward
    assert.deepEqual(await addAwayForwards(db, await notesFor(db, ['zoe@exemple.fr']), message(), T0, []).then((a) => a.length), 1);
    await db('autoreplies').update({ enabled: false });
    assert.deepEqual(await addAwayForwards(db, await notesFor(db, ['zoe@exemple.fr']), message(), T0), []);
  });

  it('resolution reads how many autoresponders a mailbox has, and who is away is noted for queue time', async () => {
    const { db } = t();
    await setup(db);
    const mailboxOf = (notes: MailhostNotes, address: string) => finalTargets(notes).map((x) => x.target).find((x) => x.kind === 'local' && x.mailbox.address === address);
    const before = await notesFor(db, ['equipe@exemple.fr']);
    assert.equal((mailboxOf(before, 'zoe@exemple.fr') as { mailbox: { autoreplies?: number } }).mailbox.autoreplies, 0);
    assert.deepEqual(await addAwayForwards(db, before, message(), T0), []);
    assert.deepEqual(before.away, [], 'nobody away: queue time asks nothing');
    assert.equal(await anyActive(db, before, T0), false);

    await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'Absente.', enabled: true });
    await createAutoreply(db, 'zoe@exemple.fr', { name: 'Plus tard', bodyText: 'Plus tard.', enabled: false });
    const after = await notesFor(db, ['equipe@exemple.fr']); // through an alias: zoe (1 enabled) and paul (none)
    assert.equal((mailboxOf(after, 'zoe@exemple.fr') as { mailbox: { autoreplies?: number } }).mailbox.autoreplies, 1);
    assert.equal((mailboxOf(after, 'paul@exemple.fr') as { mailbox: { autoreplies?: number } }).mailbox.autoreplies, 0);
    await addAwayForwards(db, after, message(), T0);
    assert.equal(after.away?.length, 1);
    assert.equal(await anyActive(db, after, T0), true);
    assert.equal((await planReplies({ db, notes: after, mailFrom: 'jean@client.example', message: message(), now: T0 })).replies.length, 1);
  });
});
