// Pages whose tables come from other features: spam policies, sender lists (the mailbox tabs
// are tested in mailboxTabs.test.ts).
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, rowIds, textOf } from './helpers';
import { addListEntry } from '../../lib/policy';

describeEachEngine('admin spam policies, sender lists, autoresponder', ({ t }) => {
  it('spam policies: admin adds, edits, assigns to a domain, deletes; "default" stays; others get 404', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const s = await login(app, 'admin');
    let r = await s.post('/spam-policies/new', { name: 'strict', threshold: '3.5', action: 'quarantine', subject_tag: '[SPAM]', newsletter_action: 'junk', antivirus: '1', virus_action: 'reject' });
    assert.equal(r.status, 303);
    const p = await t().db('spam_policies').where({ name: 'strict' }).first();
    assert.equal(Number(p.threshold), 3.5);
    assert.equal(p.action, 'quarantine');
    r = await s.post(`/spam-policies/${p.id}`, { name: 'strict', threshold: 'high', action: 'quarantine', newsletter_action: 'junk', virus_action: 'reject' });
    assert.equal(r.status, 422);
    assert.match(r.text, /data-field="threshold"[\s\S]*?field-error/);
    // the domain form now offers the policy
    const form = await s.get(`/domains/${w.domainA}`);
    assert.match(form.text, new RegExp(`<option value="${p.id}"[^>]*>strict</option>`));
    await s.post(`/domains/${w.domainA}`, { spam_policy_id: String(p.id), default_quota_mb: '0', active: '1', client_id: String(w.clientA) });
    assert.equal(Number((await t().db('domains').where({ id: w.domainA }).first()).spam_policy_id), p.id);
    const def = await t().db('spam_policies').where({ name: 'default' }).first();
    assert.doesNotMatch((await s.get('/spam-policies')).text, new RegExp(`/spam-policies/${def.id}/delete"`));
    assert.equal((await s.post(`/spam-policies/${p.id}/delete`)).status, 303);
    assert.equal(await t().db('spam_policies').where({ id: p.id }).first(), undefined);
    const c = await login(app, 'clienta');
    assert.equal((await c.get('/spam-policies')).status, 404);
    assert.equal((await c.get(`/spam-policies/${def.id}`)).status, 404);
  });

  it('sender lists: each role adds to and removes from its own lists only', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const global = await addListEntry(t().db, { kind: 'block', pattern: '@spammer.example' });
    const onB = await addListEntry(t().db, { domain: w.domainB, kind: 'allow', pattern: 'friend@partner.example' });
    const admin = await login(app, 'admin');
    assert.equal((await admin.post('/sender-lists/new', { owner: 'g', kind: 'block', pattern: '*@*.bad.example' })).status, 303);
    const ca = await login(app, 'clienta');
    const form = await ca.get('/sender-lists/new');
    assert.doesNotMatch(form.text, /value="g"|b\.test/);
    assert.equal((await ca.post('/sender-lists/new', { owner: 'g', kind: 'allow', pattern: 'x@y.example' })).status, 404);
    assert.equal((await ca.post('/sender-lists/new', { owner: `d:${w.domainB}`, kind: 'allow', pattern: 'x@y.example' })).status, 404);
    assert.equal((await ca.post('/sender-lists/new', { owner: `m:${w.mailboxB}`, kind: 'allow', pattern: 'x@y.example' })).status, 404);
    assert.equal((await ca.post('/sender-lists/new', { owner: `d:${w.domainA}`, kind: 'allow', pattern: 'Partner@Example.COM', comment: 'supplier' })).status, 303);
    const mine = await t().db('sender_lists').where({ domain_id: w.domainA }).first();
    assert.equal(mine.pattern, 'partner@example.com');
    assert.deepEqual(rowIds((await ca.get('/sender-lists')).text), [mine.id]);
    assert.equal((await ca.post(`/sender-lists/${onB.id}/delete`)).status, 404);
    assert.equal((await ca.post(`/sender-lists/${global.id}/delete`)).status, 404);
    assert.equal((await ca.get(`/sender-lists/${mine.id}`)).status, 404, 'entries are not edited, only added and removed');

    const ua = await login(app, 'alice@a.test');
    assert.match((await ua.get('/')).text, /id="home-services"/);
    // the mailbox owner has no sender-lists page of their own: the Sender lists tab of the mailbox
    assert.match((await ua.get(`/mailboxes/${w.mailboxA}`)).text, new RegExp(`href="/mailboxes/${w.mailboxA}/senders"`));
    assert.equal((await ua.get('/sender-lists')).status, 404);
    assert.equal((await ua.post('/sender-lists/new', { owner: `m:${w.mailboxA}`, kind: 'block', pattern: 'x@y.example' })).status, 404);
    assert.equal((await ua.post(`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'block', pattern: 'pest@annoying.example' })).status, 303);
    const own = await t().db('sender_lists').where({ mailbox_id: w.mailboxA }).first();
    assert.deepEqual(rowIds((await ua.get(`/mailboxes/${w.mailboxA}/senders`)).text), [own.id]);
    assert.equal((await ua.post(`/mailboxes/${w.mailboxA}/senders/${mine.id}/delete`)).status, 404);
    assert.equal((await ua.post(`/mailboxes/${w.mailboxA}/senders/${own.id}/delete`)).status, 303);
    assert.equal(await t().db('sender_lists').where({ id: own.id }).first(), undefined);
    const list = await admin.get('/sender-lists?q_kind=block');
    assert.match(textOf(list.text), /Everyone \(global\) blocked \*@spammer\.example/);
  });
});
