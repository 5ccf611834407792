// Autoreply storage, validation, activation windows, conditions and the CLI, on each engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describeEachEngineShared as describeEachEngine } from '../../helpers/sharedEngineDb';
import { createDomain, createMailbox } from '../../../lib/directory';
import { MailhostError, type Db } from '../../../lib/core';
import {
  createAutoreply,
  updateAutoreply,
  saveAutoreply,
  findAutoreply,
  listAutoreplies,
  setAutoreplyEnabled,
  deleteAutoreply,
  addAttachment,
  listAttachments,
  deleteAttachment,
  attachmentContents,
  activeAutoreplies,
  claimReplySlot,
  listMemory,
  parseWhen,
  LIMITS,
} from '../../../lib/autoreply';
import { main } from '../../../bin/cli';

const T0 = new Date('2026-12-01T10:00:00.000Z');

async function setup(db: Db) {
  await createDomain(db, { name: 'exemple.fr' });
  const zoe = (await createMailbox(db, { address: 'zoe@exemple.fr', password: 'Secret-pass-123', name: 'Zoé Élan', language: 'fr' })).mailbox;
  const jean = (await createMailbox(db, { address: 'jean@exemple.fr', password: 'Secret-pass-123' })).mailbox;
  return { zoe, jean };
}

async function rejects(p: Promise<unknown>, field: string, code = 'invalid'): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MailhostError, String(err));
    assert.equal(err.code, code, err.message);
    if (field) assert.equal(err.field, field, err.message);
    return true;
  });
}

describe('autoreply dates (parseWhen)', () => {
  const cases: [string, string][] = [
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01T08:30', '2026-12-01T08:30:00.000Z'],
    ['2026-12-01 08:30:15', '2026-12-01T08:30:15.000Z'],
    ['2026-12-01T08:30:00+01:00', '2026-12-01T07:30:00.000Z'],
    ['2026-12-01T08:30:00-0230', '2026-12-01T11:00:00.000Z'],
    ['2026-12-01T08:30:00.5Z', '2026-12-01T08:30:00.500Z'],
  ];
  for (const [input, iso] of cases) it(`${input} -> ${iso}`, () => assert.equal(parseWhen(input, 'starts_at'), iso));
  for (const bad of ['tomorrow', '2026-02-30', '2026-13-01', '2026-12-01T25:00', '01/12/2026', '']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseWhen(bad, 'starts_at'), /invalid date/));
  }
});

describeEachEngine('autoreply storage', ({ t }) => {
  it('creates a Plesk-style autoreply with every field and reads it back', async () => {
    const { db } = t();
    const { zoe } = await setup(db);
    const a = await createAutoreply(db, 'zoe@exemple.fr', {
      name: "Notification d'absence",
      enabled: true,
      condition: 'subject_contains',
      conditionText: 'Devis',
      subject: 'Absente — réponse différée',
      replyTo: 'Assistant@Exemple.FR',
      bodyText: 'Je suis absente.\r\nMerci.',
      bodyHtml: '<p>Je suis absente.</p>',
      startsAt: '2026-12-01T08:00:00+01:00',
      endsAt: '2026-12-24',
      maxPerDay: 3,
      maxCorrespondents: 50,
      forwardTo: 'collegue@client.example',
    });
    assert.equal(a.mailbox_id, zoe.id);
    assert.equal(a.mailbox, 'zoe@exemple.fr');
    assert.equal(a.name, "Notification d'absence");
    assert.equal(a.enabled, true);
    assert.equal(a.condition, 'subject_contains');
    assert.equal(a.condition_text, 'Devis');
    assert.equal(a.subject, 'Absente — réponse différée');
    assert.equal(a.reply_to, 'assistant@exemple.fr');
    assert.equal(a.body_text, 'Je suis absente.\nMerci.');
    assert.equal(a.body_html, '<p>Je suis absente.</p>');
    assert.equal(a.starts_at, '2026-12-01T07:00:00.000Z');
    assert.equal(a.ends_at, '2026-12-24T00:00:00.000Z');
    assert.equal(a.max_per_day, 3);
    assert.equal(a.max_correspondents, 50);
    assert.equal(a.forward_to, 'collegue@client.example');
    assert.equal(a.generation, 1);
  });

  it('defaults: disabled, always, Re: subject, 1 per day, 1000 correspondents, no window', async () => {
    const { db } = t();
    await setup(db);
    const a = await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'Absente.' });
    assert.equal(a.name, 'default');
    assert.equal(a.enabled, false);
    assert.equal(a.condition, 'always');
    assert.equal(a.condition_text, null);
    assert.equal(a.subject, null);
    assert.equal(a.max_per_day, LIMITS.maxPerDay.default);
    assert.equal(a.max_correspondents, LIMITS.maxCorrespondents.default);
    assert.equal(a.starts_at, null);
    assert.equal(a.ends_at, null);
  });

  it('"now" starts now and ends 48 h later unless an end is given (ISPConfig)', async () => {
    const { db } = t();
    await setup(db);
    const a = await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'x', startsAt: 'now' }, T0);
    assert.equal(a.starts_at, '2026-12-01T10:00:00.000Z');
    assert.equal(a.ends_at, '2026-12-03T10:00:00.000Z');
    const b = await createAutoreply(db, 'zoe@exemple.fr', { name: 'b', bodyText: 'x', startsAt: 'now', endsAt: '2026-12-10' }, T0);
    assert.equal(b.ends_at, '2026-12-10T00:00:00.000Z');
    const c = await createAutoreply(db, 'zoe@exemple.fr', { name: 'c', bodyText: 'x', startsAt: 'now', endsAt: null }, T0);
    assert.equal(c.ends_at, null, 'an explicitly empty end means no end');
  });

  it('refuses bad input, naming the field', async () => {
    const { db } = t();
    await setup(db);
    const ok = { bodyText: 'x' };
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, subject: 'Absent\r\nBcc: x@y.z' }), 'subject');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, subject: 'Absent\nBcc: x@y.z' }), 'subject');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, subject: 'x'.repeat(256) }), 'subject');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { bodyText: '  ' }), 'body_text');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, maxPerDay: 0 }), 'max_per_day');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, maxPerDay: 11 }), 'max_per_day');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, maxPerDay: 1.5 }), 'max_per_day');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, maxCorrespondents: 0 }), 'max_correspondents');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, replyTo: 'not an address' }), 'reply_to');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, forwardTo: 'x@' }), 'forward_to');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, forwardTo: 'ZOE@exemple.fr' }), 'forward_to');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, startsAt: '2026-12-10', endsAt: '2026-12-01' }), 'ends_at');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, startsAt: '2026-12-10', endsAt: '2026-12-10' }), 'ends_at');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, startsAt: 'soon' }), 'starts_at');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, condition: 'subject_contains' }), 'condition_text');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, condition: 'body_contains', conditionText: 'a\nb' }), 'condition_text');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, condition: 'sometimes' as never }), 'condition');
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { ...ok, name: 'a\u0007b' }), 'name');
    await rejects(createAutoreply(db, 'nobody@exemple.fr', ok), '', 'not_found');
    await createAutoreply(db, 'zoe@exemple.fr', ok);
    await rejects(createAutoreply(db, 'zoe@exemple.fr', ok), 'name', 'conflict');
    assert.equal((await listAutoreplies(db)).length, 1);
  });

  it('an HTML-only reply gets a text part derived from it', async () => {
    const { db } = t();
    await setup(db);
    const a = await createAutoreply(db, 'zoe@exemple.fr', { bodyHtml: '<p>Absente jusqu&#39;au <b>3 août</b>.</p>' });
    assert.equal(a.body_text, "Absente jusqu'au 3 août.");
  });

  it('several named autoreplies per mailbox; find by name, the only one, or "default"', async () => {
    const { db } = t();
    await setup(db);
    await createAutoreply(db, 'zoe@exemple.fr', { name: 'Vacances', bodyText: 'x' });
    assert.equal((await findAutoreply(db, 'zoe@exemple.fr')).name, 'Vacances');
    await createAutoreply(db, 'zoe@exemple.fr', { name: 'Commandes', bodyText: 'y' });
    await rejects(findAutoreply(db, 'zoe@exemple.fr'), 'name');
    assert.equal((await findAutoreply(db, 'zoe@exemple.fr', 'commandes')).name, 'Commandes');
    await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'z' });
    assert.equal((await findAutoreply(db, 'zoe@exemple.fr')).name, 'default');
    await rejects(findAutoreply(db, 'zoe@exemple.fr', 'nope'), '', 'not_found');
    assert.deepEqual(
      (await listAutoreplies(db, { mailbox: 'zoe@exemple.fr' })).map((a) => a.name),
      ['Commandes', 'default', 'Vacances'],
    );
    // names are unique ignoring case and accents, on both engines
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { name: 'VACANCES', bodyText: 'x' }), 'name', 'conflict');
    const saved = await saveAutoreply(db, 'zoe@exemple.fr', { name: 'vacances', subject: 'Été' });
    assert.equal(saved.created, false);
    assert.equal(saved.autoreply.name, 'Vacances');
  });

  it('saveAutoreply creates then updates by name; disable keeps the template', async () => {
    const { db } = t();
    await setup(db);
    const first = await saveAutoreply(db, 'zoe@exemple.fr', { name: 'Vacances', bodyText: 'Absente.', enabled: true });
    assert.equal(first.created, true);
    const second = await saveAutoreply(db, 'zoe@exemple.fr', { name: 'Vacances', subject: 'Absente' });
    assert.equal(second.created, false);
    assert.equal(second.autoreply.id, first.autoreply.id);
    assert.equal(second.autoreply.body_text, 'Absente.');
    assert.equal(second.autoreply.subject, 'Absente');
    const off = await setAutoreplyEnabled(db, first.autoreply.id, false);
    assert.equal(off.enabled, false);
    assert.equal(off.body_text, 'Absente.');
    const cleared = await updateAutoreply(db, off.id, { subject: '' });
    assert.equal(cleared.subject, null);
  });

  it('a new activation period starts with a clean memory (enable, or a new start while enabled)', async () => {
    const { db } = t();
    await setup(db);
    const a = await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'x', enabled: true });
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), true);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), false);
    // an edit of the text is not a new period
    const edited = await updateAutoreply(db, a.id, { bodyText: 'y' });
    assert.equal(edited.generation, 1);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), false);
    // disable + enable: a new period
    await setAutoreplyEnabled(db, a.id, false);
    const again = await setAutoreplyEnabled(db, a.id, true);
    assert.equal(again.generation, 2);
    assert.deepEqual(await listMemory(db, a.id), []);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), true);
    // a new start date while enabled: a new period too
    const moved = await updateAutoreply(db, a.id, { startsAt: '2026-11-30' });
    assert.equal(moved.generation, 3);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), true);
  });

  it('deleting a mailbox or an autoreply takes its memory and links with it', async () => {
    const { db } = t();
    await setup(db);
    const f = await addAttachment(db, 'zoe@exemple.fr', { filename: 'a.txt', content: Buffer.from('a') });
    const a = await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'x', enabled: true, attachmentIds: [f.id] });
    await claimReplySlot(db, a.id, 'jean@client.example', T0);
    await deleteAutoreply(db, a.id);
    assert.equal((await db('autoreply_memory').count({ n: '*' }).first())!.n, 0);
    assert.equal((await db('autoreply_attachment_links').count({ n: '*' }).first())!.n, 0);
    await rejects(deleteAutoreply(db, a.id), '', 'not_found');
  });

  it('attachment pool: add, attach, replace, limits, delete', async () => {
    const { db } = t();
    const { jean } = await setup(db);
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    const pdf = await addAttachment(db, 'zoe@exemple.fr', { filename: '/tmp/x/Plan d’accès.pdf', content: bytes });
    assert.equal(pdf.filename, 'Plan d’accès.pdf');
    assert.equal(pdf.content_type, 'application/pdf');
    assert.equal(pdf.size, bytes.length);
    await rejects(addAttachment(db, 'zoe@exemple.fr', { filename: 'Plan d’accès.pdf', content: bytes }), 'filename', 'conflict');
    const replaced = await addAttachment(db, 'zoe@exemple.fr', { filename: 'Plan d’accès.pdf', content: Buffer.from('v2'), replace: true });
    assert.equal(replaced.id, pdf.id);
    assert.equal(replaced.size, 2);
    await rejects(addAttachment(db, 'zoe@exemple.fr', { filename: 'x.bin', content: Buffer.alloc(LIMITS.attachmentBytes + 1) }), 'content');
    await rejects(addAttachment(db, 'zoe@exemple.fr', { filename: 'x.bin', content: bytes, contentType: 'text/plain\r\nX: y' }), 'content_type');
    await rejects(addAttachment(db, 'zoe@exemple.fr', { filename: 'a\r\nb.txt', content: bytes }), 'filename');
    const other = await addAttachment(db, jean.id, { filename: 'jean.txt', content: Buffer.from('j') });
    await rejects(createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'x', attachmentIds: [other.id] }), 'attachments');
    const a = await createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'x', attachmentIds: [pdf.id] });
    assert.deepEqual(a.attachments.map((f) => f.filename), ['Plan d’accès.pdf']);
    const contents = await attachmentContents(db, a.id);
    assert.ok(contents[0].content.equals(Buffer.from('v2')));
    const big = Buffer.alloc(1024 * 1024, 7);
    const f2 = await addAttachment(db, 'zoe@exemple.fr', { filename: 'big.bin', content: big });
    const both = await attachmentContents(db, (await updateAutoreply(db, a.id, { attachmentIds: [pdf.id, f2.id] })).id);
    assert.equal(both.length, 2);
    assert.ok(both.find((f) => f.filename === 'big.bin')!.content.equals(big));
    await deleteAttachment(db, pdf.id);
    assert.deepEqual((await findAutoreply(db, 'zoe@exemple.fr')).attachments.map((f) => f.filename), ['big.bin']);
    assert.deepEqual((await listAttachments(db, 'zoe@exemple.fr')).map((f) => f.filename), ['big.bin']);
  });
});

describeEachEngine('active autoreplies (window and condition)', ({ t }) => {
  const at = (iso: string) => new Date(iso);

  it('window edges: start inclusive, end exclusive, open bounds, disabled never', async () => {
    const { db } = t();
    const { zoe } = await setup(db);
    await createAutoreply(db, zoe.id, { name: 'w', bodyText: 'x', enabled: true, startsAt: '2026-12-01T08:00Z', endsAt: '2026-12-02T08:00Z' });
    const ids = [zoe.id];
    const names = async (iso: string) => (await activeAutoreplies(db, ids, at(iso))).map((a) => a.name);
    assert.deepEqual(await names('2026-12-01T07:59:59.999Z'), []);
    assert.deepEqual(await names('2026-12-01T08:00:00.000Z'), ['w']);
    assert.deepEqual(await names('2026-12-02T07:59:59.999Z'), ['w']);
    assert.deepEqual(await names('2026-12-02T08:00:00.000Z'), []);
    await createAutoreply(db, zoe.id, { name: 'open-end', bodyText: 'x', enabled: true, startsAt: '2026-12-01T08:00Z' });
    await createAutoreply(db, zoe.id, { name: 'open-start', bodyText: 'x', enabled: true, endsAt: '2026-12-01T08:00Z' });
    await createAutoreply(db, zoe.id, { name: 'off', bodyText: 'x', enabled: false });
    assert.deepEqual((await names('2030-01-01T00:00Z')).sort(), ['open-end']);
    assert.deepEqual((await names('2020-01-01T00:00Z')).sort(), ['open-start']);
    assert.deepEqual((await names('2026-12-01T09:00Z')).sort(), ['open-end', 'w']);
  });

  it('carries the mailbox label and language; an inactive mailbox never answers', async () => {
    const { db } = t();
    const { zoe } = await setup(db);
    await createAutoreply(db, zoe.id, { bodyText: 'x', enabled: true });
    const [a] = await activeAutoreplies(db, [zoe.id], T0);
    assert.equal(a.mailbox_name, 'Zoé Élan');
    assert.equal(a.language, 'fr');
    await db('mailboxes').where({ id: zoe.id }).update({ active: false });
    assert.deepEqual(await activeAutoreplies(db, [zoe.id], T0), []);
  });

  it('conditions match the decoded subject or body, case-insensitively', async () => {
    const { db } = t();
    const { zoe } = await setup(db);
    await createAutoreply(db, zoe.id, { name: 'always', bodyText: 'x', enabled: true });
    await createAutoreply(db, zoe.id, { name: 'subject', bodyText: 'x', enabled: true, condition: 'subject_contains', conditionText: 'Bon de COMMANDE' });
    await createAutoreply(db, zoe.id, { name: 'body', bodyText: 'x', enabled: true, condition: 'body_contains', conditionText: 'numéro de dossier' });
    const names = async (subject: string, body: string) => (await activeAutoreplies(db, [zoe.id], T0, { subject, body })).map((a) => a.name).sort();
    assert.deepEqual(await names('Hello', 'nothing'), ['always']);
    assert.deepEqual(await names('Re: bon de commande n°12', 'nothing'), ['always', 'subject']);
    assert.deepEqual(await names('Hello', 'Votre NUMÉRO de\n  dossier est 12'), ['always', 'body']);
    assert.deepEqual(await names('bon de commande', 'numéro de dossier'), ['always', 'body', 'subject']);
    let decoded = 0;
    const lazy = { subject: 'x', body: () => (decoded++, 'numéro de dossier') };
    assert.deepEqual((await activeAutoreplies(db, [zoe.id], T0, lazy)).map((a) => a.name).sort(), ['always', 'body']);
    assert.equal(decoded, 1);
  });
});

describeEachEngine('mailhost autoreply CLI', ({ t }) => {
  async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const env = { MAILHOST_DB: t().url, MAILHOST_DATA: t().dir };
    const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), env });
    return { code, out, err };
  }

  it('set, list, disable, enable, del', async () => {
    const { db } = t();
    await setup(db);
    const text = path.join(t().dir, 'absence.txt');
    fs.writeFileSync(text, "Je suis absente jusqu'au 3 août.\n");
    const html = path.join(t().dir, 'absence.html');
    fs.writeFileSync(html, '<p>Je suis <b>absente</b>.</p>');
    const pdf = path.join(t().dir, 'plan.pdf');
    fs.writeFileSync(pdf, Buffer.from('%PDF-1.4 fake'));
    let r = await cli(['autoreply', 'set', 'zoe@exemple.fr', '--text-file', text, '--html-file', html, '--start', 'now', '--attach', pdf, '--max-per-day', '2', '--forward-to', 'collegue@client.example', '--reply-to', 'assistant@exemple.fr', '--condition', 'subject:devis', '--subject', 'Absente']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0], /autoreply "default" of zoe@exemple.fr created \(enabled\)/);
    r = await cli(['autoreply', 'list', 'zoe@exemple.fr', '--json']);
    const [a] = JSON.parse(r.out.join('\n'));
    assert.equal(a.body_text, "Je suis absente jusqu'au 3 août.\n");
    assert.equal(a.body_html, '<p>Je suis <b>absente</b>.</p>');
    assert.equal(a.max_per_day, 2);
    assert.equal(a.forward_to, 'collegue@client.example');
    assert.equal(a.reply_to, 'assistant@exemple.fr');
    assert.equal(a.condition, 'subject_contains');
    assert.equal(a.condition_text, 'devis');
    assert.equal(a.subject, 'Absente');
    assert.equal(new Date(a.ends_at).getTime() - new Date(a.starts_at).getTime(), 48 * 3600_000);
    assert.deepEqual(a.attachments.map((f: { filename: string }) => f.filename), ['plan.pdf']);
    // update without --name goes to the only autoreply; '' clears
    r = await cli(['autoreply', 'set', 'zoe@exemple.fr', '--end', '', '--subject', '', '--condition', 'always', '--clear-attachments']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const b = await findAutoreply(db, 'zoe@exemple.fr');
    assert.equal(b.ends_at, null);
    assert.equal(b.subject, null);
    assert.equal(b.condition, 'always');
    assert.deepEqual(b.attachments, []);
    r = await cli(['autoreply', 'set', 'zoe@exemple.fr', '--name', 'Commandes', '--text', 'Merci pour votre commande', '--enabled', 'no']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0], /"Commandes" .* created \(disabled\)/);
    r = await cli(['autoreply', 'list', 'exemple.fr']);
    assert.equal(r.out.length, 2);
    assert.match(r.out[0], /^zoe@exemple\.fr\tCommandes\tdisabled/);
    r = await cli(['autoreply', 'list', 'nope.test', '--json']);
    assert.equal(r.code, 2);
    assert.match(r.err.join('\n'), /domain nope\.test does not exist/);
    r = await cli(['autoreply', 'enable', 'zoe@exemple.fr', '--name', 'Commandes']);
    assert.equal(r.code, 0);
    assert.equal((await findAutoreply(db, 'zoe@exemple.fr', 'Commandes')).enabled, true);
    r = await cli(['autoreply', 'disable', 'zoe@exemple.fr']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal((await findAutoreply(db, 'zoe@exemple.fr', 'default')).enabled, false);
    r = await cli(['autoreply', 'del', 'zoe@exemple.fr', '--name', 'Commandes']);
    assert.equal(r.code, 0);
    assert.equal((await listAutoreplies(db)).length, 1);
  });

  const bad: [string, string[], RegExp][] = [
    ['subject with a line break', ['--text', 'x', '--subject', 'a\r\nBcc: x@y.z'], /one line/],
    ['--max-per-day 11', ['--text', 'x', '--max-per-day', '11'], /from 1 to 10/],
    ['--max-per-day abc', ['--text', 'x', '--max-per-day', 'abc'], /whole number/],
    ['end before start', ['--text', 'x', '--start', '2026-12-10', '--end', '2026-12-01'], /after the start/],
    ['bad date', ['--text', 'x', '--start', 'tomorrow'], /invalid date/],
    ['bad condition', ['--text', 'x', '--condition', 'maybe'], /--condition/],
    ['empty condition text', ['--text', 'x', '--condition', 'subject:'], /--condition/],
    ['--text and --text-file', ['--text', 'x', '--text-file', '/etc/hostname'], /not both/],
    ['missing file', ['--text-file', '/nonexistent/file'], /cannot read/],
    ['missing attachment', ['--text', 'x', '--attach', '/nonexistent/file.pdf'], /cannot read/],
    ['unknown flag', ['--text', 'x', '--colour', 'red'], /colour/i],
    ['bad forward address', ['--text', 'x', '--forward-to', 'nope'], /invalid address/],
    ['no text', [], /empty/],
  ];
  for (const [name, extra, message] of bad) {
    it(`exit 2 with one line: ${name}`, async () => {
      await setup(t().db);
      const r = await cli(['autoreply', 'set', 'zoe@exemple.fr', ...extra]);
      assert.equal(r.code, 2, r.out.join('\n'));
      assert.equal(r.err.length, 1);
      assert.ok(!r.err[0].includes('\n'));
      assert.match(r.err[0], message);
    });
  }

  it('exit 2 for unknown mailbox, unknown name, missing address, unknown action', async () => {
    await setup(t().db);
    for (const args of [
      ['autoreply', 'set', 'nobody@exemple.fr', '--text', 'x'],
      ['autoreply', 'enable', 'zoe@exemple.fr', '--name', 'nope'],
      ['autoreply', 'del', 'zoe@exemple.fr'],
      ['autoreply', 'set'],
      ['autoreply', 'frobnicate', 'zoe@exemple.fr'],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.err.length, 1);
    }
  });
});
