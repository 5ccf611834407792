// The tabs of a mailbox kept outside its row: autoresponders (several, named), the attachment
// pool, the mailbox's own sender lists, and the spam filter (domain's policy, a shared one, or
// its own settings) — for the admin, the client owning the domain and the mailbox owner; and
// the authorization matrix for them (ids changed in URLs or form fields answer 404).
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, rowIds, textOf, PASSWORD, type Session, type World } from './helpers';
import { createAutoreply, getAutoreply, addAttachment, listAutoreplies, HOUR } from '../../lib/autoreply';
import { addListEntry, createPolicy, effectivePolicies, mailboxPolicyName } from '../../lib/policy';

const FULL = {
  name: 'Holidays',
  enabled: '1',
  condition: 'subject_contains',
  condition_text: 'invoice',
  subject: 'Away until January',
  reply_to: 'office@a.test',
  body_text: 'I am away.\nBack on 4 January.',
  body_html: '<p>I am <b>away</b>.</p>',
  _tz: 'Europe/Paris',
  starts_at: '2026-12-20T08:00',
  ends_at: '2027-01-04T08:30',
  max_per_day: '3',
  max_correspondents: '500',
  forward_to: 'deputy@example.org',
};

async function multipart(s: Session, path: string, file: { name: string; content: Buffer }, fields: Record<string, string> = {}) {
  let req = s.agent.post(path).field('_csrf', await s.token());
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', file.content, file.name);
}

describeEachEngine('admin mailbox tabs: autoresponders, attachments, sender lists, spam filter', ({ t }) => {
  it('the mailbox owner adds named autoresponders with every field, dates in their time zone stored in UTC', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const u = await login(app, 'alice@a.test');
    const tab = await u.get(`/mailboxes/${w.mailboxA}`);
    for (const name of ['mailbox', 'forwarding', 'spam', 'autoresponder', 'attachments', 'sender_lists']) assert.match(tab.text, new RegExp(`data-tab="${name}"`), name);
    assert.match(tab.text, new RegExp(`href="/mailboxes/${w.mailboxA}/autoreplies"`));
    // the old ?tab= link leads to the child page
    const old = await u.get(`/mailboxes/${w.mailboxA}?tab=autoresponder`);
    assert.equal(old.status, 303);
    assert.equal(old.headers.location, `/mailboxes/${w.mailboxA}/autoreplies`);
    const list = await u.get(`/mailboxes/${w.mailboxA}/autoreplies`);
    assert.equal(list.status, 200);
    assert.match(list.text, /data-tab="autoresponder" aria-current=page|class="nav-link active" aria-current=page href="\/mailboxes\/\d+\/autoreplies"/);
    const form = await u.get(`/mailboxes/${w.mailboxA}/autoreplies/new`);
    for (const f of ['name', 'enabled', 'condition', 'condition_text', 'subject', 'reply_to', 'body_text', 'body_html', 'start_now', 'starts_at', 'ends_at', 'max_per_day', 'max_correspondents', 'forward_to', 'attachment_ids', '_tz']) {
      assert.match(form.text, new RegExp(`data-field="${f}"`), f);
    }
    assert.match(form.text, /placeholder="Re: &lt;subject of the received message&gt;"/);

    const r = await u.post(`/mailboxes/${w.mailboxA}/autoreplies/new`, FULL);
    assert.equal(r.status, 303, textOf(r.text));
    assert.equal(r.headers.location, `/mailboxes/${w.mailboxA}/autoreplies`);
    const [a] = await listAutoreplies(t().db, { mailbox: w.mailboxA });
    assert.equal(a.name, 'Holidays');
    assert.equal(a.enabled, true);
    assert.equal(a.condition, 'subject_contains');
    assert.equal(a.condition_text, 'invoice');
    assert.equal(a.subject, 'Away until January');
    assert.equal(a.reply_to, 'office@a.test');
    assert.equal(a.body_text, 'I am away.\nBack on 4 January.');
    assert.equal(a.body_html, '<p>I am <b>away</b>.</p>');
    assert.equal(a.starts_at, '2026-12-20T07:00:00.000Z'); // Paris is UTC+1 in winter
    assert.equal(a.ends_at, '2027-01-04T07:30:00.000Z');
    assert.equal(a.max_per_day, 3);
    assert.equal(a.max_correspondents, 500);
    assert.equal(a.forward_to, 'deputy@example.org');
    // shown again in the zone chosen (remembered for the session), not in UTC
    const edit = await u.get(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}`);
    assert.match(edit.text, /name="starts_at" id="f_starts_at" value="2026-12-20T08:00"/);
    assert.match(edit.text, /<option value="Europe\/Paris" selected>/);
    // in New York the same instant is 02:00
    await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}`, { ...FULL, _tz: 'America/New_York', starts_at: '2026-12-20T02:00' });
    assert.equal((await getAutoreply(t().db, a.id)).starts_at, '2026-12-20T07:00:00.000Z');

    // a second one with the defaults: empty subject = "Re: <subject>", 1 reply a day
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/autoreplies/new`, { name: 'Weekend', condition: 'always', body_text: 'Closed on weekends.', max_per_day: '1', max_correspondents: '1000' })).status, 303);
    const all = await listAutoreplies(t().db, { mailbox: w.mailboxA });
    assert.deepEqual(all.map((x) => x.name), ['Holidays', 'Weekend']);
    const weekend = all[1];
    assert.equal(weekend.subject, null);
    assert.equal(weekend.enabled, false);
    const page = await u.get(`/mailboxes/${w.mailboxA}/autoreplies`);
    assert.deepEqual(rowIds(page.text).sort(), [a.id, weekend.id].sort());
    assert.match(textOf(page.text), /Weekend .*Re: &lt;subject of the received message&gt;/);
  });

  it('"Now" starts right away and ends 48 h later unless an end is given; bad input shown next to its field', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const u = await login(app, 'alice@a.test');
    const before = Date.now();
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/autoreplies/new`, { name: 'now', enabled: '1', condition: 'always', body_text: 'Back soon', start_now: '1', max_per_day: '1', max_correspondents: '1000' })).status, 303);
    const [n] = await listAutoreplies(t().db, { mailbox: w.mailboxA });
    const start = Date.parse(n.starts_at!);
    assert.ok(start >= before - 1000 && start <= Date.now() + 1000);
    assert.equal(Date.parse(n.ends_at!) - start, 48 * HOUR);
    // with an end given, "Now" keeps it
    await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${n.id}`, { name: 'now', enabled: '1', condition: 'always', body_text: 'Back soon', start_now: '1', _tz: 'UTC', ends_at: '2099-01-01T00:00', max_per_day: '1', max_correspondents: '1000' });
    assert.equal((await getAutoreply(t().db, n.id)).ends_at, '2099-01-01T00:00:00.000Z');

    const base = { name: 'x', condition: 'always', body_text: 'text', max_per_day: '1', max_correspondents: '1000' };
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ subject: 'Hello\r\nBcc: victim@example.org' }, 'subject', /must be on one line/],
      [{ subject: 'Hello\nX-Injected: 1' }, 'subject', /must be on one line/],
      [{ max_per_day: '11' }, 'max_per_day', /between 1 and 10|1.*10/],
      [{ max_per_day: '0' }, 'max_per_day', /1.*10/],
      [{ condition: 'body_contains', condition_text: '' }, 'condition_text', /text to look for/],
      [{ reply_to: 'not an address' }, 'reply_to', /not a valid mail address/],
      [{ forward_to: 'alice@a.test' }, 'forward_to', /its own mailbox/],
      [{ starts_at: '2027-01-02T00:00', ends_at: '2027-01-01T00:00' }, 'ends_at', /after the start/],
      [{ body_text: '' }, 'body_text', /empty/],
    ];
    for (const [patch, field, msg] of cases) {
      const r = await u.post(`/mailboxes/${w.mailboxA}/autoreplies/new`, { ...base, ...patch });
      assert.equal(r.status, 422, JSON.stringify(patch));
      const m = new RegExp(`data-field="${field}"[\\s\\S]*?field-error">([^<]*)<`).exec(r.text);
      assert.ok(m, `${field} error shown next to it for ${JSON.stringify(patch)}`);
      assert.match(m[1], msg);
    }
    // the typed text is kept
    const kept = await u.post(`/mailboxes/${w.mailboxA}/autoreplies/new`, { ...base, name: 'Kept name', subject: 'A\r\nB' });
    assert.match(kept.text, /value="Kept name"/);
    assert.equal((await listAutoreplies(t().db, { mailbox: w.mailboxA })).length, 1);
  });

  it('enable, disable, edit and delete from the list; attachments uploaded to the pool (multipart) and attached', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const u = await login(app, 'alice@a.test');
    const a = await createAutoreply(t().db, w.mailboxA, { name: 'away', bodyText: 'Away', enabled: false });
    let list = await u.get(`/mailboxes/${w.mailboxA}/autoreplies`);
    assert.match(list.text, new RegExp(`formaction="/mailboxes/${w.mailboxA}/autoreplies/${a.id}/do/enable"`));
    assert.match(list.text, /id="row-action-form"[^>]*><input type="hidden" name="_csrf"/);
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}/do/enable`)).status, 303);
    assert.equal((await getAutoreply(t().db, a.id)).enabled, true);
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}/do/enable`)).status, 404, 'already on');
    list = await u.get(`/mailboxes/${w.mailboxA}/autoreplies`);
    assert.match(list.text, /data-action="disable"/);
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}/do/disable`)).status, 303);
    assert.equal((await getAutoreply(t().db, a.id)).enabled, false);

    // the pool: upload (multipart, with the CSRF token in the form), list, attach
    const pool = await u.get(`/mailboxes/${w.mailboxA}/files/new`);
    assert.match(pool.text, /enctype=multipart\/form-data/);
    const up = await multipart(u, `/mailboxes/${w.mailboxA}/files/new`, { name: 'plan.pdf', content: Buffer.from('%PDF-1.4 test') });
    assert.equal(up.status, 303, textOf(up.text));
    const file = await t().db('autoreply_attachments').where({ mailbox_id: w.mailboxA }).first();
    assert.equal(file.filename, 'plan.pdf');
    assert.equal(file.content_type, 'application/pdf');
    assert.equal(Buffer.from(file.content).toString(), '%PDF-1.4 test');
    assert.match(textOf((await u.get(`/mailboxes/${w.mailboxA}/files`)).text), /plan\.pdf application\/pdf/);
    const dup = await multipart(u, `/mailboxes/${w.mailboxA}/files/new`, { name: 'PLAN.pdf', content: Buffer.from('x') });
    assert.equal(dup.status, 422);
    assert.match(dup.text, /data-field="file"[\s\S]*?field-error/);
    // without the token the upload is refused
    const noToken = await u.agent.post(`/mailboxes/${w.mailboxA}/files/new`).attach('file', Buffer.from('x'), 'x.txt');
    assert.equal(noToken.status, 403);

    const form = await u.get(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}`);
    assert.match(form.text, new RegExp(`name="attachment_ids"[^>]*value="${file.id}"`));
    const saved = await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}`, { name: 'away', condition: 'always', body_text: 'Away, see the plan', max_per_day: '2', max_correspondents: '1000', attachment_ids: String(file.id) });
    assert.equal(saved.status, 303);
    const withFile = await getAutoreply(t().db, a.id);
    assert.deepEqual(withFile.attachments.map((f) => f.filename), ['plan.pdf']);
    assert.equal(withFile.max_per_day, 2);
    // Bob's file cannot be attached to Alice's autoreply
    const bobs = await addAttachment(t().db, w.mailboxB, { filename: 'bob.txt', content: Buffer.from('b') });
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}`, { name: 'away', condition: 'always', body_text: 'x', max_per_day: '1', max_correspondents: '1000', attachment_ids: [String(file.id), String(bobs.id)] })).status, 404);
    assert.deepEqual((await getAutoreply(t().db, a.id)).attachments.map((f) => f.id), [file.id]);

    assert.equal((await u.get(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}/delete`)).status, 200);
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/autoreplies/${a.id}/delete`)).status, 303);
    assert.equal(await t().db('autoreplies').where({ id: a.id }).first(), undefined);
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/files/${file.id}/delete`)).status, 303);
    assert.equal(await t().db('autoreply_attachments').where({ id: file.id }).first(), undefined);
  });

  it('sender lists tab: admin, client and owner add and remove the mailbox\'s own entries', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const domainEntry = await addListEntry(t().db, { domain: w.domainA, kind: 'allow', pattern: 'boss@partner.example' });
    for (const [who, pattern] of [
      ['admin', 'a@one.example'],
      ['clienta', 'b@two.example'],
      ['alice@a.test', '*@three.example'],
    ] as const) {
      const s = await login(app, who);
      const r = await s.post(`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'block', pattern, comment: who });
      assert.equal(r.status, 303, `${who}: ${textOf(r.text)}`);
    }
    const rows = await t().db('sender_lists').where({ mailbox_id: w.mailboxA }).orderBy('pattern');
    assert.deepEqual(rows.map((r) => `${r.kind} ${r.pattern}`), ['block *@three.example', 'block a@one.example', 'block b@two.example']);
    const u = await login(app, 'alice@a.test');
    const page = await u.get(`/mailboxes/${w.mailboxA}/senders`);
    assert.deepEqual(rowIds(page.text).sort(), rows.map((r) => Number(r.id)).sort(), 'only the mailbox\'s own entries, not the domain\'s');
    const bad = await u.post(`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'allow', pattern: 'a b@c' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /data-field="pattern"[\s\S]*?field-error/);
    const dup = await u.post(`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'block', pattern: 'A@One.Example' });
    assert.equal(dup.status, 422);
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'newsletter', pattern: 'news@shop.example' })).status, 303);
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/senders/${domainEntry.id}/delete`)).status, 404, 'the domain entry is not the mailbox\'s');
    assert.equal((await u.post(`/mailboxes/${w.mailboxA}/senders/${rows[0].id}/delete`)).status, 303);
    assert.equal(await t().db('sender_lists').where({ id: rows[0].id }).first(), undefined);
    assert.ok(await t().db('sender_lists').where({ id: domainEntry.id }).first());
  });

  it('spam filter tab: the domain\'s policy, a shared policy, or the mailbox\'s own settings (a private policy)', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const strict = await createPolicy(t().db, { name: 'strict', threshold: 3, action: 'quarantine' });
    const u = await login(app, 'alice@a.test');
    let tab = await u.get(`/mailboxes/${w.mailboxA}?tab=spam`);
    assert.match(tab.text, /<option value="inherit" selected>/);
    assert.match(tab.text, /name="own_threshold" id="f_own_threshold" value="5"/);
    const url = `/mailboxes/${w.mailboxA}?tab=spam`;
    const set = (f: Record<string, string>) => u.post(url, { own_threshold: '5', own_action: 'tag', own_newsletter_action: 'deliver', spam_policy_id: '', ...f });
    assert.equal((await set({ spam_mode: 'policy', spam_policy_id: String(strict.id) })).status, 303);
    assert.equal(Number((await t().db('mailboxes').where({ id: w.mailboxA }).first()).spam_policy_id), strict.id);
    const missing = await set({ spam_mode: 'policy' });
    assert.equal(missing.status, 422);
    assert.match(missing.text, /data-field="spam_policy_id"[\s\S]*?field-error/);

    assert.equal((await set({ spam_mode: 'own', own_threshold: '7.5', own_action: 'junk', own_newsletter_action: 'junk' })).status, 303);
    const [eff] = await effectivePolicies(t().db, [{ mailboxId: w.mailboxA }]);
    assert.equal(eff.source, 'mailbox');
    assert.equal(eff.policy.name, mailboxPolicyName(w.mailboxA));
    assert.equal(eff.policy.threshold, 7.5);
    assert.equal(eff.policy.action, 'junk');
    assert.equal(eff.policy.newsletter_action, 'junk');
    tab = await u.get(url);
    assert.match(tab.text, /<option value="own" selected>/);
    assert.match(tab.text, /value="7.5"/);
    const badThreshold = await set({ spam_mode: 'own', own_threshold: 'lots' });
    assert.equal(badThreshold.status, 422);
    assert.match(badThreshold.text, /data-field="own_threshold"[\s\S]*?field-error/);
    // the private policy is no shared policy: not in the admin's list nor offered to others
    const admin = await login(app, 'admin');
    assert.doesNotMatch((await admin.get('/spam-policies')).text, /~mailbox-/);
    assert.doesNotMatch((await admin.get(`/domains/${w.domainB}`)).text, /~mailbox-/);
    assert.equal((await admin.get(`/spam-policies/${eff.policy.id}`)).status, 404);
    const ub = await login(app, 'bob@b.test');
    assert.equal((await ub.post(`/mailboxes/${w.mailboxB}?tab=spam`, { spam_mode: 'policy', spam_policy_id: String(eff.policy.id), own_threshold: '5', own_action: 'tag', own_newsletter_action: 'deliver' })).status, 404);
    // back to the domain's policy: the private one goes away
    assert.equal((await set({ spam_mode: 'inherit' })).status, 303);
    assert.equal((await t().db('mailboxes').where({ id: w.mailboxA }).first()).spam_policy_id, null);
    assert.equal(await t().db('spam_policies').where({ name: mailboxPolicyName(w.mailboxA) }).first(), undefined);
    // deleting a mailbox with own settings deletes them too
    await set({ spam_mode: 'own', own_threshold: '4' });
    const m2 = await admin.post('/mailboxes/new', { address_local: 'temp', address_domain: String(w.domainA), password: PASSWORD, active: '1' });
    assert.equal(m2.status, 303);
    const temp = await t().db('mailboxes').where({ local_part: 'temp' }).first();
    await admin.post(`/mailboxes/${temp.id}?tab=spam`, { spam_mode: 'own', own_threshold: '4', own_action: 'tag', own_newsletter_action: 'deliver' });
    assert.ok(await t().db('spam_policies').where({ name: mailboxPolicyName(temp.id) }).first());
    assert.equal((await admin.post(`/mailboxes/${temp.id}/delete`)).status, 303);
    assert.equal(await t().db('spam_policies').where({ name: mailboxPolicyName(temp.id) }).first(), undefined);
  });
});

type Who = 'admin' | 'clientA' | 'clientB' | 'userA' | 'userB';
const LOGINS: Record<Who, string> = { admin: 'admin', clientA: 'clienta', clientB: 'clientb', userA: 'alice@a.test', userB: 'bob@b.test' };
const MAY_A: Who[] = ['admin', 'clientA', 'userA'];
const MAY_B: Who[] = ['admin', 'clientB', 'userB'];

describeEachEngine('admin authorization matrix: mailbox tabs', ({ t }) => {
  async function world() {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const s = {} as Record<Who, Session>;
    for (const who of Object.keys(LOGINS) as Who[]) s[who] = await login(app, LOGINS[who]);
    const arA = await createAutoreply(t().db, w.mailboxA, { name: 'a', bodyText: 'A away', enabled: true });
    const arB = await createAutoreply(t().db, w.mailboxB, { name: 'b', bodyText: 'B away', enabled: true });
    const slA = await addListEntry(t().db, { mailbox: w.mailboxA, kind: 'block', pattern: 'x@a-list.example' });
    const slB = await addListEntry(t().db, { mailbox: w.mailboxB, kind: 'block', pattern: 'x@b-list.example' });
    const fA = await addAttachment(t().db, w.mailboxA, { filename: 'a.txt', content: Buffer.from('a') });
    const fB = await addAttachment(t().db, w.mailboxB, { filename: 'b.txt', content: Buffer.from('b') });
    return { w, s, arA, arB, slA, slB, fA, fB };
  }

  const snapshot = async () =>
    JSON.stringify([
      await t().db('autoreplies').orderBy('id').select('id', 'mailbox_id', 'name', 'enabled', 'body_text', 'reply_condition'),
      await t().db('sender_lists').orderBy('id').select('id', 'mailbox_id', 'kind', 'pattern'),
      await t().db('autoreply_attachments').orderBy('id').select('id', 'mailbox_id', 'filename'),
      await t().db('autoreply_attachment_links').orderBy('autoreply_id').select('*'),
      await t().db('mailboxes').orderBy('id').select('id', 'spam_policy_id'),
    ]);

  it('lists, forms, changes, row actions and deletes of another\'s mailbox tabs answer 404 and change nothing', async () => {
    const { w, s, arA, arB, slA, slB, fA, fB } = await world();
    const failures: string[] = [];
    const sides: { mb: (w: World) => number; may: Who[]; ar: number; sl: number; f: number }[] = [
      { mb: (x) => x.mailboxA, may: MAY_A, ar: arA.id, sl: slA.id, f: fA.id },
      { mb: (x) => x.mailboxB, may: MAY_B, ar: arB.id, sl: slB.id, f: fB.id },
    ];
    for (const side of sides) {
      const mb = side.mb(w);
      for (const who of Object.keys(LOGINS) as Who[]) {
        const allowed = side.may.includes(who);
        const gets = [`/mailboxes/${mb}/autoreplies`, `/mailboxes/${mb}/autoreplies/new`, `/mailboxes/${mb}/autoreplies/${side.ar}`, `/mailboxes/${mb}/autoreplies/${side.ar}/delete`, `/mailboxes/${mb}/senders`, `/mailboxes/${mb}/senders/new`, `/mailboxes/${mb}/senders/${side.sl}/delete`, `/mailboxes/${mb}/files`, `/mailboxes/${mb}/files/new`, `/mailboxes/${mb}/files/${side.f}/delete`, `/mailboxes/${mb}?tab=spam`];
        for (const path of gets) {
          const r = await s[who].get(path);
          if (r.status !== (allowed ? 200 : 404)) failures.push(`${who} GET ${path} -> ${r.status}`);
        }
        if (allowed) continue;
        const before = await snapshot();
        const posts: [string, Record<string, string>][] = [
          [`/mailboxes/${mb}/autoreplies/new`, { name: 'intruder', condition: 'always', body_text: 'x', max_per_day: '1', max_correspondents: '1000' }],
          [`/mailboxes/${mb}/autoreplies/${side.ar}`, { name: 'changed', condition: 'always', body_text: 'changed', max_per_day: '1', max_correspondents: '1000' }],
          [`/mailboxes/${mb}/autoreplies/${side.ar}/do/disable`, {}],
          [`/mailboxes/${mb}/autoreplies/${side.ar}/delete`, {}],
          [`/mailboxes/${mb}/senders/new`, { kind: 'allow', pattern: 'intruder@evil.example' }],
          [`/mailboxes/${mb}/senders/${side.sl}/delete`, {}],
          [`/mailboxes/${mb}/files/${side.f}/delete`, {}],
          [`/mailboxes/${mb}?tab=spam`, { spam_mode: 'own', own_threshold: '99', own_action: 'tag', own_newsletter_action: 'deliver' }],
        ];
        for (const [path, fields] of posts) {
          const r = await s[who].post(path, fields);
          if (r.status !== 404) failures.push(`${who} POST ${path} -> ${r.status}`);
        }
        if ((await snapshot()) !== before) failures.push(`${who} changed something of mailbox ${mb}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('an object of mailbox B under mailbox A\'s URL, or in a form field, is not found — even for the admin', async () => {
    const { w, s, arB, slB, fA, fB } = await world();
    const before = await snapshot();
    for (const who of ['admin', 'userA', 'clientA'] as Who[]) {
      for (const path of [`/mailboxes/${w.mailboxA}/autoreplies/${arB.id}`, `/mailboxes/${w.mailboxA}/autoreplies/${arB.id}/delete`]) {
        assert.equal((await s[who].get(path)).status, 404, `${who} GET ${path}`);
      }
      const posts: string[] = [
        `/mailboxes/${w.mailboxA}/autoreplies/${arB.id}`,
        `/mailboxes/${w.mailboxA}/autoreplies/${arB.id}/do/disable`,
        `/mailboxes/${w.mailboxA}/autoreplies/${arB.id}/delete`,
        `/mailboxes/${w.mailboxA}/senders/${slB.id}/delete`,
        `/mailboxes/${w.mailboxA}/files/${fB.id}/delete`,
      ];
      for (const path of posts) assert.equal((await s[who].post(path, { name: 'x', condition: 'always', body_text: 'x', max_per_day: '1', max_correspondents: '1000' })).status, 404, `${who} POST ${path}`);
      // a new autoreply of A pointing at B's file
      const r = await s[who].post(`/mailboxes/${w.mailboxA}/autoreplies/new`, { name: 'sneaky', condition: 'always', body_text: 'x', max_per_day: '1', max_correspondents: '1000', attachment_ids: [String(fA.id), String(fB.id)] });
      assert.equal(r.status, 404, `${who} attach B's file`);
      // mailbox_id in the form is ignored: the entry goes to the mailbox of the URL
      await s[who].post(`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'block', pattern: `${who}@x.example`, mailbox_id: String(w.mailboxB), owner: `m:${w.mailboxB}` });
    }
    const moved = await t().db('sender_lists').where('pattern', 'like', '%@x.example');
    assert.equal(moved.length, 3);
    assert.ok(moved.every((r) => Number(r.mailbox_id) === w.mailboxA));
    await t().db('sender_lists').where('pattern', 'like', '%@x.example').delete();
    assert.equal(await snapshot(), before);
  });

  it('the user space is exactly the own mailbox\'s settings', async () => {
    const { w, s } = await world();
    const page = await s.userA.get(`/mailboxes/${w.mailboxA}`);
    const menu = /<nav class="col-md-3[\s\S]*?<\/nav>/.exec(page.text)![0];
    assert.deepEqual([...menu.matchAll(/href="([^"]+)"/g)].map((m) => m[1]), ['/', `/mailboxes/${w.mailboxA}`, '/quarantine', '/tickets', '/stats']);
    const tabs = [...page.text.matchAll(/data-tab="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(tabs, ['mailbox', 'forwarding', 'spam', 'quarantine', 'autoresponder', 'attachments', 'sender_lists']);
    assert.match(page.text, /name="current_password"/);
    for (const path of ['/sender-lists', '/spam-policies', '/domains', '/mailboxes', '/accounts', `/mailboxes/${w.mailboxB}`, `/domains/${w.domainA}`, `/mailboxes/${w.mailboxA}/delete`, '/mailboxes/new']) {
      assert.equal((await s.userA.get(path)).status, 404, path);
    }
  });
});
