// The authorization matrix: admin, client A, client B, user A (alice@a.test), user B
// (bob@b.test) against each other's objects. Whatever the URL or the form field, an object
// outside one's scope answers 404 and stays untouched.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, rowIds, PASSWORD, type World, type Session } from './helpers';

type Who = 'admin' | 'clientA' | 'clientB' | 'userA' | 'userB';
const LOGINS: Record<Who, string> = { admin: 'admin', clientA: 'clienta', clientB: 'clientb', userA: 'alice@a.test', userB: 'bob@b.test' };

interface Obj {
  resource: string;
  table: string;
  id: (w: World) => number;
  /** who may open the edit form */
  edit: Who[];
  /** who may delete it (and sees it in lists) */
  del: Who[];
  /** a harmless valid change for the edit POST */
  change: (w: World) => Record<string, string>;
}

const A: Who[] = ['admin', 'clientA'];
const B: Who[] = ['admin', 'clientB'];

const OBJECTS: Obj[] = [
  { resource: 'domains', table: 'domains', id: (w) => w.domainA, edit: A, del: A, change: () => ({ default_quota_mb: '1', active: '1' }) },
  { resource: 'domains', table: 'domains', id: (w) => w.domainB, edit: B, del: B, change: () => ({ default_quota_mb: '1', active: '1' }) },
  { resource: 'domain-aliases', table: 'domain_aliases', id: (w) => w.domainAliasA, edit: A, del: A, change: (w) => ({ domain_id: String(w.domainA), active: '1' }) },
  { resource: 'domain-aliases', table: 'domain_aliases', id: (w) => w.domainAliasB, edit: B, del: B, change: (w) => ({ domain_id: String(w.domainB), active: '1' }) },
  { resource: 'mailboxes', table: 'mailboxes', id: (w) => w.mailboxA, edit: [...A, 'userA'], del: A, change: () => ({ name: 'changed' }) },
  { resource: 'mailboxes', table: 'mailboxes', id: (w) => w.mailboxB, edit: [...B, 'userB'], del: B, change: () => ({ name: 'changed' }) },
  { resource: 'aliases', table: 'aliases', id: (w) => w.aliasA, edit: A, del: A, change: () => ({ targets: 'alice@a.test', active: '1' }) },
  { resource: 'aliases', table: 'aliases', id: (w) => w.aliasB, edit: B, del: B, change: () => ({ targets: 'bob@b.test', active: '1' }) },
  { resource: 'forwards', table: 'aliases', id: (w) => w.forwardA, edit: A, del: A, change: () => ({ targets: 'alice@a.test', active: '1' }) },
  { resource: 'forwards', table: 'aliases', id: (w) => w.forwardB, edit: B, del: B, change: () => ({ targets: 'bob@b.test', active: '1' }) },
  { resource: 'catchall', table: 'aliases', id: (w) => w.catchallA, edit: A, del: A, change: () => ({ targets: 'alice@a.test', active: '1' }) },
  { resource: 'catchall', table: 'aliases', id: (w) => w.catchallB, edit: B, del: B, change: () => ({ targets: 'bob@b.test', active: '1' }) },
  { resource: 'accounts', table: 'accounts', id: (w) => w.clientA, edit: ['admin', 'clientA'], del: ['admin'], change: () => ({ name: 'changed', role: 'client', active: '1' }) },
  { resource: 'accounts', table: 'accounts', id: (w) => w.clientB, edit: ['admin', 'clientB'], del: ['admin'], change: () => ({ name: 'changed', role: 'client', active: '1' }) },
  { resource: 'accounts', table: 'accounts', id: (w) => w.adminId, edit: ['admin'], del: [], change: () => ({ name: 'changed', role: 'admin', active: '1' }) },
];

/** a wrong resource URL for the same id must not reach the row either (aliases vs forwards) */
const CROSS: [string, (w: World) => number][] = [
  ['aliases', (w) => w.forwardA],
  ['forwards', (w) => w.aliasA],
  ['catchall', (w) => w.aliasA],
  ['aliases', (w) => w.catchallA],
];

describeEachEngine('admin authorization matrix', ({ t }) => {
  async function everyone() {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const s = {} as Record<Who, Session>;
    for (const who of Object.keys(LOGINS) as Who[]) s[who] = await login(app, LOGINS[who]);
    return { w, app, s };
  }

  it('edit form, edit POST, delete page and delete POST: allowed or 404, for every role and object', async () => {
    const { w, s } = await everyone();
    const failures: string[] = [];
    for (const o of OBJECTS) {
      const id = o.id(w);
      for (const who of Object.keys(LOGINS) as Who[]) {
        const before = JSON.stringify(await t().db(o.table).where({ id }).first());
        const canEdit = o.edit.includes(who);
        const get = await s[who].get(`/${o.resource}/${id}`);
        if (get.status !== (canEdit ? 200 : 404)) failures.push(`${who} GET /${o.resource}/${id} -> ${get.status}`);
        if (!canEdit) {
          const post = await s[who].post(`/${o.resource}/${id}`, o.change(w));
          if (post.status !== 404) failures.push(`${who} POST /${o.resource}/${id} -> ${post.status}`);
        }
        if (!o.del.includes(who)) {
          const page = await s[who].get(`/${o.resource}/${id}/delete`);
          if (page.status !== 404 && !(who === 'admin' && page.status === 303)) failures.push(`${who} GET /${o.resource}/${id}/delete -> ${page.status}`);
          const del = await s[who].post(`/${o.resource}/${id}/delete`);
          if (del.status !== 404 && !(who === 'admin' && del.status === 303)) failures.push(`${who} POST /${o.resource}/${id}/delete -> ${del.status}`);
        } else {
          const page = await s[who].get(`/${o.resource}/${id}/delete`);
          if (page.status !== 200) failures.push(`${who} GET /${o.resource}/${id}/delete -> ${page.status}`);
        }
        if (!canEdit || !o.del.includes(who)) {
          const after = JSON.stringify(await t().db(o.table).where({ id }).first());
          if (!canEdit && after !== before) failures.push(`${who} changed ${o.resource}/${id}`);
          if (after === undefined) failures.push(`${who} deleted ${o.resource}/${id}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('lists show only what is in scope; users have no lists at all', async () => {
    const { w, s } = await everyone();
    const expect: Record<string, Record<'admin' | 'clientA' | 'clientB', number[]>> = {
      domains: { admin: [w.domainA, w.domainB], clientA: [w.domainA], clientB: [w.domainB] },
      'domain-aliases': { admin: [w.domainAliasA, w.domainAliasB], clientA: [w.domainAliasA], clientB: [w.domainAliasB] },
      mailboxes: { admin: [w.mailboxA, w.mailboxB], clientA: [w.mailboxA], clientB: [w.mailboxB] },
      forwards: { admin: [w.forwardA, w.forwardB], clientA: [w.forwardA], clientB: [w.forwardB] },
      catchall: { admin: [w.catchallA, w.catchallB], clientA: [w.catchallA], clientB: [w.catchallB] },
    };
    for (const [resource, byWho] of Object.entries(expect)) {
      for (const [who, ids] of Object.entries(byWho)) {
        const r = await s[who as Who].get(`/${resource}`);
        assert.equal(r.status, 200, `${who} /${resource}`);
        assert.deepEqual(rowIds(r.text).sort(), [...ids].sort(), `${who} /${resource}`);
      }
      for (const who of ['userA', 'userB'] as Who[]) assert.equal((await s[who].get(`/${resource}`)).status, 404, `${who} /${resource}`);
    }
    for (const who of ['clientA', 'clientB', 'userA', 'userB'] as Who[]) {
      assert.equal((await s[who].get('/accounts')).status, 404, `${who} /accounts`);
      assert.equal((await s[who].get('/accounts/new')).status, 404, `${who} /accounts/new`);
    }
    for (const who of ['userA', 'userB'] as Who[]) {
      for (const r of ['domains', 'mailboxes', 'aliases', 'forwards', 'catchall', 'domain-aliases']) {
        assert.equal((await s[who].get(`/${r}/new`)).status, 404);
        assert.equal((await s[who].post(`/${r}/new`, {})).status, 404);
      }
    }
    // a client's overview counts only its own objects
    assert.doesNotMatch((await s.clientA.get('/')).text, /b\.test/);
  });

  it('a form field pointing at another client\'s object answers 404 and creates nothing', async () => {
    const { w, s } = await everyone();
    const attempts: [Who, string, Record<string, string>][] = [
      ['clientA', '/mailboxes/new', { address_local: 'intruder', address_domain: String(w.domainB), password: 'Secret-pass-42', active: '1' }],
      ['clientA', '/aliases/new', { address_local: 'intruder', address_domain: String(w.domainB), targets: 'x@example.org', active: '1' }],
      ['clientA', '/forwards/new', { address_local: 'intruder', address_domain: String(w.domainB), targets: 'x@example.org', active: '1' }],
      ['clientA', '/catchall/new', { domain_id: String(w.domainB), targets: 'x@example.org', active: '1' }],
      ['clientA', '/domain-aliases/new', { name: 'intruder.test', domain_id: String(w.domainB), active: '1' }],
      ['clientA', `/domain-aliases/${w.domainAliasA}`, { domain_id: String(w.domainB), active: '1' }],
      ['clientB', '/mailboxes/new', { address_local: 'intruder', address_domain: String(w.domainA), password: 'Secret-pass-42' }],
      ['clientB', '/mailboxes/new', { address_local: 'intruder', address_domain: '999999', password: 'Secret-pass-42' }],
    ];
    for (const [who, path, fields] of attempts) {
      const r = await s[who].post(path, fields);
      assert.equal(r.status, 404, `${who} POST ${path}`);
    }
    assert.equal(await t().db('mailboxes').where('local_part', 'intruder').first(), undefined);
    assert.equal(await t().db('aliases').where('local_part', 'intruder').first(), undefined);
    assert.equal(await t().db('domain_aliases').where('name', 'intruder.test').first(), undefined);
    assert.equal(Number((await t().db('domain_aliases').where({ id: w.domainAliasA }).first()).domain_id), w.domainA);
    for (const [path, id] of CROSS) {
      assert.equal((await s.admin.get(`/${path}/${id(w)}`)).status, 404, `/${path}/${id(w)}`);
    }
  });

  it('fields a role may not change are ignored even when posted', async () => {
    const { w, s } = await everyone();
    // a client creating a domain owns it, whatever client_id says
    const r = await s.clientA.post('/domains/new', { name: 'mine.test', client_id: String(w.clientB), default_quota_mb: '0', active: '1' });
    assert.equal(r.status, 303);
    assert.equal(Number((await t().db('domains').where({ name: 'mine.test' }).first()).client_id), w.clientA);
    // a client cannot hand its domain to someone else or make itself admin
    await s.clientA.post(`/domains/${w.domainA}`, { client_id: String(w.clientB), default_quota_mb: '0', active: '1' });
    assert.equal(Number((await t().db('domains').where({ id: w.domainA }).first()).client_id), w.clientA);
    await s.clientA.post(`/accounts/${w.clientA}`, { role: 'admin', name: 'A', active: '1' });
    assert.equal((await t().db('accounts').where({ id: w.clientA }).first()).role, 'client');
    // a mailbox user cannot raise their quota or reactivate themselves
    await t().db('mailboxes').where({ id: w.mailboxA }).update({ quota_mb: 10 });
    const u = await s.userA.post(`/mailboxes/${w.mailboxA}?tab=mailbox`, { name: 'Alice', quota_mb: '0', active: '1', password: '' });
    assert.equal(u.status, 303);
    const m = await t().db('mailboxes').where({ id: w.mailboxA }).first();
    assert.equal(Number(m.quota_mb), 10);
    assert.equal(m.name, 'Alice');
  });

  it('a mailbox user manages password and forwarding of their own mailbox only', async () => {
    const { w, s, app } = await everyone();
    const home = await s.userA.get('/');
    assert.equal(home.status, 200); // the mailbox's home page (test/admin/home.test.ts)
    assert.match(home.text, new RegExp(`href="/mailboxes/${w.mailboxA}\\?tab=forwarding"`));
    const page = await s.userA.get(`/mailboxes/${w.mailboxA}`);
    assert.doesNotMatch(page.text, /name="quota_mb"|name="active"/);
    assert.match(page.text, /data-tab="forwarding"/);
    const fwd = await s.userA.post(`/mailboxes/${w.mailboxA}?tab=forwarding`, { redirect_to: 'alice@elsewhere.example', keep_copy: '1' });
    assert.equal(fwd.status, 303);
    assert.equal(fwd.headers.location, `/mailboxes/${w.mailboxA}?tab=forwarding`);
    assert.equal((await t().db('mailboxes').where({ id: w.mailboxA }).first()).redirect_to, 'alice@elsewhere.example');
    // the current password is required, and checked
    const none = await s.userA.post(`/mailboxes/${w.mailboxA}?tab=mailbox`, { name: '', password: 'New-password-99' });
    assert.equal(none.status, 422);
    assert.match(none.text, /data-field="current_password"[\s\S]*?The current password is wrong/);
    assert.equal((await s.userA.post(`/mailboxes/${w.mailboxA}?tab=mailbox`, { name: '', password: 'New-password-99', current_password: 'wrong-one-1' })).status, 422);
    const pw = await s.userA.post(`/mailboxes/${w.mailboxA}?tab=mailbox`, { name: '', password: 'New-password-99', current_password: PASSWORD });
    assert.equal(pw.status, 303);
    await login(app, 'alice@a.test', 'New-password-99');
    await assert.rejects(login(app, 'alice@a.test'));
  });

  it('a client changes its own password only with the current one', async () => {
    const { w, s } = await everyone();
    const app = makeApp(t());
    const none = await s.clientA.post(`/accounts/${w.clientA}`, { name: 'A', password: 'Hijacked-12345' });
    assert.equal(none.status, 422);
    assert.match(none.text, /data-field="current_password"[\s\S]*?The current password is wrong/);
    assert.equal((await s.clientA.post(`/accounts/${w.clientA}`, { name: 'A', password: 'Hijacked-12345', current_password: 'wrong-one-1' })).status, 422);
    await login(app, 'clienta'); // unchanged
    assert.equal((await s.clientA.post(`/accounts/${w.clientA}`, { name: 'A', password: 'New-password-99', current_password: PASSWORD })).status, 303);
    await login(app, 'clienta', 'New-password-99');
    // an admin resets a client's password without knowing it
    assert.equal((await s.admin.post(`/accounts/${w.clientB}`, { role: 'client', name: 'B', password: 'Reset-by-admin-1', active: '1' })).status, 303);
    await login(app, 'clientb', 'Reset-by-admin-1');
  });
});
