// Every entity's list/add/edit/delete through HTTP, paging, search, validation, CSRF.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, session, rowIds, textOf, PASSWORD, csrfFrom } from './helpers';
import { createDomain, createMailbox, getMailbox, getAlias } from '../../lib/directory';
import { verifyPassword } from '../../lib/core';
import { domainToASCII } from 'node:url';

const IDN = domainToASCII('exemple-été.test');

describeEachEngine('admin CRUD', ({ t }) => {
  async function admin() {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    return { w, app, s: await login(app, 'admin') };
  }

  /** The flash shown on the page a redirect leads to. */
  async function follow(s: Awaited<ReturnType<typeof login>>, r: { status: number; headers: Record<string, string> }) {
    assert.equal(r.status, 303, 'expected a redirect after a successful POST');
    const page = await s.get(r.headers.location);
    assert.equal(page.status, 200);
    return page;
  }

  it('domains: list, add, edit, delete with confirmation', async () => {
    const { w, s } = await admin();
    const list = await s.get('/domains');
    assert.equal(list.status, 200);
    assert.deepEqual(rowIds(list.text).sort(), [w.domainA, w.domainB].sort());
    assert.match(list.text, /id="add-button" href="\/domains\/new"/);
    assert.match(list.text, new RegExp(`href="/domains/${w.domainA}/delete"`));

    let page = await follow(s, await s.post('/domains/new', { name: 'Exemple-Été.test', client_id: String(w.clientA), default_quota_mb: '500', active: '1' }));
    assert.match(textOf(page.text), /exemple-été\.test created/);
    const row = await t().db('domains').where({ name: IDN }).first();
    assert.ok(row, 'stored in IDNA ASCII');
    assert.equal(Number(row.client_id), w.clientA);
    assert.equal(Number(row.default_quota_mb), 500);
    assert.ok(await t().db('aliases').where({ address: `postmaster@${IDN}` }).first(), 'postmaster@ created with the domain');

    const edit = await s.get(`/domains/${row.id}`);
    assert.match(edit.text, /value="exemple-été\.test"/); // name read-only, shown in Unicode
    page = await follow(s, await s.post(`/domains/${row.id}`, { client_id: '', default_quota_mb: '250' })); // active unchecked
    assert.match(textOf(page.text), /saved/);
    const after = await t().db('domains').where({ id: row.id }).first();
    assert.equal(Number(after.default_quota_mb), 250);
    assert.equal(!!after.active, false);
    assert.equal(after.client_id, null);

    const confirm = await s.get(`/domains/${row.id}/delete`);
    assert.equal(confirm.status, 200);
    assert.match(textOf(confirm.text), /Delete the Domain exemple-été\.test\?/);
    assert.match(confirm.text, new RegExp(`<form method="post" action="/domains/${row.id}/delete"`));
    assert.ok(await t().db('domains').where({ id: row.id }).first(), 'the confirmation page deletes nothing');
    page = await follow(s, await s.post(`/domains/${row.id}/delete`));
    assert.match(textOf(page.text), /exemple-été\.test deleted/);
    assert.equal(await t().db('domains').where({ id: row.id }).first(), undefined);
  });

  it('domain aliases: add, edit (target, active), delete', async () => {
    const { w, s } = await admin();
    assert.deepEqual(rowIds((await s.get('/domain-aliases')).text).sort(), [w.domainAliasA, w.domainAliasB].sort());
    await follow(s, await s.post('/domain-aliases/new', { name: 'a-other.test', domain_id: String(w.domainA), active: '1' }));
    const row = await t().db('domain_aliases').where({ name: 'a-other.test' }).first();
    assert.equal(Number(row.domain_id), w.domainA);
    await follow(s, await s.post(`/domain-aliases/${row.id}`, { domain_id: String(w.domainB) }));
    const after = await t().db('domain_aliases').where({ id: row.id }).first();
    assert.equal(Number(after.domain_id), w.domainB);
    assert.equal(!!after.active, false);
    await follow(s, await s.post(`/domain-aliases/${row.id}/delete`));
    assert.equal(await t().db('domain_aliases').where({ id: row.id }).first(), undefined);
  });

  it('mailboxes: add (typed or generated password), edit each tab, delete; postmaster@ stays', async () => {
    const { w, s } = await admin();
    let page = await follow(s, await s.post('/mailboxes/new', { address_local: 'Carol', address_domain: String(w.domainA), name: 'Carol C', password: PASSWORD, quota_mb: '100', active: '1', language: 'fr' }));
    assert.match(textOf(page.text), /carol@a\.test created/);
    const carol = await getMailbox(t().db, 'carol@a.test');
    assert.equal(carol.quota_mb, 100);
    assert.equal(carol.language, 'fr');
    assert.ok(await verifyPassword(PASSWORD, (await t().db('mailboxes').where({ id: carol.id }).first()).password_hash));

    page = await follow(s, await s.post('/mailboxes/new', { address_local: 'dave', address_domain: String(w.domainA), password_generate: '1', active: '1' }));
    const generated = /Generated password: (\S+)/.exec(textOf(page.text));
    assert.ok(generated, 'the generated password is shown once');
    const daveHash = (await t().db('mailboxes').where({ address: 'dave@a.test' }).first()).password_hash;
    assert.ok(await verifyPassword(generated[1], daveHash));

    // tabs: each form saves only its own fields
    const tabs = await s.get(`/mailboxes/${carol.id}`);
    for (const tab of ['mailbox', 'forwarding']) assert.match(tabs.text, new RegExp(`data-tab="${tab}"`));
    // an unset language is "automatic", not "none"
    assert.match(tabs.text, /<option value="">Automatic \(the browser(&#39;|')s language\)<\/option>/);
    await follow(s, await s.post(`/mailboxes/${carol.id}?tab=forwarding`, { redirect_to: 'x@example.org;\ny@example.net', keep_copy: '1' }));
    let m = await getMailbox(t().db, carol.id);
    assert.deepEqual(m.redirect_to, ['x@example.org', 'y@example.net']);
    assert.equal(m.keep_copy, true);
    assert.equal(m.quota_mb, 100, 'the other tab is untouched');
    const fwd = await s.get(`/mailboxes/${carol.id}?tab=forwarding`);
    // Delete is on the main tab only, and says it deletes the mailbox
    assert.match(tabs.text, new RegExp(`href="/mailboxes/${carol.id}/delete"[^>]*>[^<]*<i[^>]*></i>Delete this mailbox<`));
    assert.doesNotMatch(fwd.text, /\/delete"/);
    assert.match(fwd.text, /x@example\.org\ny@example\.net<\/textarea>/);
    await follow(s, await s.post(`/mailboxes/${carol.id}?tab=mailbox`, { name: 'Carol Renamed', password: '', quota_mb: '0', language: 'en' }));
    m = await getMailbox(t().db, carol.id);
    assert.equal(m.name, 'Carol Renamed');
    assert.equal(m.active, false); // unchecked
    assert.deepEqual(m.redirect_to, ['x@example.org', 'y@example.net']);
    assert.ok(await verifyPassword(PASSWORD, (await t().db('mailboxes').where({ id: carol.id }).first()).password_hash), 'empty password = unchanged');

    await follow(s, await s.post(`/mailboxes/${carol.id}/delete`));
    assert.equal(await t().db('mailboxes').where({ id: carol.id }).first(), undefined);

    // a real postmaster mailbox cannot be deleted: no button, and a forged POST is refused
    const pm = await createMailbox(t().db, { address: 'postmaster@a.test', password: PASSWORD });
    const list = await s.get('/mailboxes?q_address=postmaster');
    assert.deepEqual(rowIds(list.text), [pm.mailbox.id]);
    assert.doesNotMatch(list.text, new RegExp(`/mailboxes/${pm.mailbox.id}/delete`));
    page = await follow(s, await s.post(`/mailboxes/${pm.mailbox.id}/delete`));
    assert.match(textOf(page.text), /cannot be deleted/);
    assert.ok(await t().db('mailboxes').where({ id: pm.mailbox.id }).first());
  });

  it('aliases: add, edit, delete; postmaster@ can be pointed elsewhere but not deleted', async () => {
    const { w, s } = await admin();
    const list = await s.get('/aliases');
    // postmaster@ and abuse@ (RFC 2142) of both domains are listed with the aliases
    const roles = (await t().db('aliases').whereIn('address', ['postmaster@b.test', 'abuse@a.test', 'abuse@b.test']).select('id')).map((r) => Number(r.id));
    assert.deepEqual(rowIds(list.text).sort(), [w.aliasA, w.aliasB, w.postmasterA, ...roles].sort());
    assert.doesNotMatch(list.text, new RegExp(`/aliases/${w.postmasterA}/delete"`));
    await follow(s, await s.post('/aliases/new', { address_local: 'sales', address_domain: String(w.domainA), targets: 'alice@a.test', description: 'Sales', active: '1' }));
    const a = await getAlias(t().db, 'sales@a.test');
    assert.equal(a.kind, 'alias');
    assert.deepEqual(a.targets, ['alice@a.test']);
    await follow(s, await s.post(`/aliases/${a.id}`, { targets: 'bob@b.test', description: 'Sales team', active: '1' }));
    assert.deepEqual((await getAlias(t().db, a.id)).targets, ['bob@b.test']);
    await follow(s, await s.post(`/aliases/${a.id}/delete`));
    await assert.rejects(getAlias(t().db, a.id));
    // "*" would make a catch-all, which this page would not list: refused next to the field
    const aliasesBefore = await t().db('aliases').count({ n: '*' });
    const star = await s.post('/aliases/new', { address_local: '*', address_domain: String(w.domainA), targets: 'bob@b.test', active: '1' });
    assert.equal(star.status, 422);
    assert.match(textOf(star.text), /catch-all \(\*\) is set on the Catch-all page/);
    assert.deepEqual(await t().db('aliases').count({ n: '*' }), aliasesBefore);

    await follow(s, await s.post(`/aliases/${w.postmasterA}`, { targets: 'alice@a.test', active: '1' }));
    assert.deepEqual((await getAlias(t().db, w.postmasterA)).targets, ['alice@a.test']);
    const refused = await follow(s, await s.post(`/aliases/${w.postmasterA}/delete`));
    assert.match(textOf(refused.text), /postmaster@a\.test cannot be deleted/);
    assert.ok(await getAlias(t().db, w.postmasterA));
  });

  it('forwards: many targets as a list or separated by ;', async () => {
    const { w, s } = await admin();
    await follow(s, await s.post('/forwards/new', { address_local: 'board', address_domain: String(w.domainA), targets: 'one@example.org; two@example.org;three@example.org\nfour@example.org', active: '1' }));
    const f = await getAlias(t().db, 'board@a.test');
    assert.equal(f.kind, 'forward');
    assert.deepEqual(f.targets, ['one@example.org', 'two@example.org', 'three@example.org', 'four@example.org']);
    const list = await s.get('/forwards?q_address=board');
    assert.match(textOf(list.text), /one@example\.org, two@example\.org, three@example\.org, four@example\.org/);
    await follow(s, await s.post(`/forwards/${f.id}`, { targets: 'five@example.org', active: '1' }));
    assert.deepEqual((await getAlias(t().db, f.id)).targets, ['five@example.org']);
    await follow(s, await s.post(`/forwards/${f.id}/delete`));
    await assert.rejects(getAlias(t().db, f.id));
    // aliases and forwards are separate pages of the same table
    assert.ok(!rowIds((await s.get('/aliases')).text).includes(w.forwardA));
  });

  it('catch-all: one per domain, chosen by domain', async () => {
    const { w, s } = await admin();
    await t().db('aliases').where({ id: w.catchallA }).delete();
    await follow(s, await s.post('/catchall/new', { domain_id: String(w.domainA), targets: 'alice@a.test', active: '1' }));
    const c = await getAlias(t().db, '*@a.test');
    assert.equal(c.kind, 'catchall');
    assert.deepEqual(c.targets, ['alice@a.test']);
    const dup = await s.post('/catchall/new', { domain_id: String(w.domainA), targets: 'alice@a.test', active: '1' });
    assert.equal(dup.status, 422);
    assert.match(textOf(dup.text), /already in use/);
    await follow(s, await s.post(`/catchall/${c.id}`, { targets: 'bob@b.test' }));
    assert.equal((await getAlias(t().db, c.id)).active, false);
    await follow(s, await s.post(`/catchall/${c.id}/delete`));
    await assert.rejects(getAlias(t().db, c.id));
  });

  it('accounts: add a client, edit, delete; an admin cannot delete itself', async () => {
    const { w, s } = await admin();
    const page = await follow(s, await s.post('/accounts/new', { username: 'Carla', role: 'client', name: 'Carla SARL', email: 'carla@example.org', password_generate: '1', active: '1' }));
    const password = /Generated password: (\S+)/.exec(textOf(page.text))![1];
    const row = await t().db('accounts').where({ username: 'carla' }).first();
    assert.equal(row.role, 'client');
    assert.ok(await verifyPassword(password, row.password_hash));
    await follow(s, await s.post(`/accounts/${row.id}`, { role: 'client', name: 'Carla SA', email: '', password: '', language: 'fr', active: '1' }));
    const after = await t().db('accounts').where({ id: row.id }).first();
    assert.equal(after.name, 'Carla SA');
    assert.equal(after.language, 'fr');
    await follow(s, await s.post(`/accounts/${row.id}/delete`));
    assert.equal(await t().db('accounts').where({ id: row.id }).first(), undefined);

    assert.doesNotMatch((await s.get('/accounts')).text, new RegExp(`/accounts/${w.adminId}/delete`));
    await follow(s, await s.post(`/accounts/${w.adminId}/delete`));
    assert.ok(await t().db('accounts').where({ id: w.adminId }).first());
  });

  it('pages lists at 15 rows: 40 mailboxes give 15, 15, 10 with page links', async () => {
    const { s } = await admin();
    const d = await createDomain(t().db, { name: 'many.test' });
    for (let i = 1; i <= 40; i++) await createMailbox(t().db, { address: `u${String(i).padStart(2, '0')}@${d.name}`, password: PASSWORD });
    const seen: number[] = [];
    const counts = [];
    for (const p of [1, 2, 3]) {
      const r = await s.get(`/mailboxes?q_address=many.test&page=${p}`);
      assert.equal(r.status, 200);
      const ids = rowIds(r.text);
      counts.push(ids.length);
      seen.push(...ids);
      assert.match(textOf(r.text), new RegExp(`Page ${p} of 3 · 40 entries`));
      if (p < 3) assert.match(r.text, new RegExp(`href="/mailboxes\\?q_address=many.test&amp;page=${p + 1}"`));
    }
    assert.deepEqual(counts, [15, 15, 10]);
    assert.equal(new Set(seen).size, 40, 'no row on two pages');
    const first = await s.get('/mailboxes?q_address=many.test');
    assert.match(first.text, /u01@many\.test/);
    assert.doesNotMatch(first.text, /u16@many\.test/);
    // out-of-range pages clamp
    assert.equal(rowIds((await s.get('/mailboxes?q_address=many.test&page=99')).text).length, 10);
  });

  it('mailboxes: a usage bar per mailbox (used / quota, percentage), sortable fullest first, paged in that order', async () => {
    const { s } = await admin();
    const d = await createDomain(t().db, { name: 'quota.test' });
    const MB = 1024 * 1024;
    // u00..u19 with a 10 MB quota, u00 using 0 %, u01 5 %... u19 95 %; nolimit: no quota
    for (let i = 0; i < 20; i++) {
      const { mailbox } = await createMailbox(t().db, { address: `u${String(i).padStart(2, '0')}@${d.name}`, password: PASSWORD, quotaMb: 10 });
      await t().db('mailboxes').where({ id: mailbox.id }).update({ used_bytes: Math.round(i * 0.05 * 10 * MB) });
    }
    const { mailbox: nolimit } = await createMailbox(t().db, { address: `nolimit@${d.name}`, password: PASSWORD, quotaMb: 0 });
    await t().db('mailboxes').where({ id: nolimit.id }).update({ used_bytes: 50 * MB });

    const list = await s.get('/mailboxes?q_address=quota.test');
    assert.equal(list.status, 200);
    const row = (addr: string, html: string) => html.split('<tr class="data-row"').find((r) => r.includes(addr))!;
    const u19 = row('u19@quota.test', list.text) ?? row('u19@quota.test', (await s.get('/mailboxes?q_address=quota.test&page=2')).text);
    assert.match(u19, /class="usage-fill usage-w-95 usage-warn"/);
    assert.match(u19, /aria-valuenow="95"/);
    assert.match(textOf(u19), /9\.5 MB \/ 10 MB \(95 %\)/);
    assert.match(list.text, /<a class="sort-link" href="\/mailboxes\?q_address=quota.test&amp;sort=used_bytes"/);
    assert.doesNotMatch(list.text, /style=/, 'no inline style (strict CSP)');

    // fullest first, unlimited last; page 2 follows in the same order, the filter kept
    const p1 = await s.get('/mailboxes?q_address=quota.test&sort=used_bytes');
    const p2 = await s.get('/mailboxes?q_address=quota.test&sort=used_bytes&page=2');
    assert.match(p1.text, /href="\/mailboxes\?q_address=quota.test&amp;sort=used_bytes&amp;page=2"/);
    assert.match(p1.text, /<input type="hidden" name="sort" value="used_bytes">/);
    const addr = async (ids: number[]) => Promise.all(ids.map(async (id) => (await t().db('mailboxes').where({ id }).first()).address));
    const order = [...(await addr(rowIds(p1.text))), ...(await addr(rowIds(p2.text)))];
    const want = [...Array.from({ length: 20 }, (_, i) => `u${String(19 - i).padStart(2, '0')}@quota.test`), 'nolimit@quota.test'];
    assert.deepEqual(order, want);
    const nl = row('nolimit@quota.test', p2.text);
    assert.doesNotMatch(nl, /usage-bar/);
    assert.match(textOf(nl), /50 MB \/ Unlimited/i);
  });

  it('searches by text and by yes/no, and a LIKE wildcard is taken literally', async () => {
    const { w, s } = await admin();
    await createMailbox(t().db, { address: 'bo_b@a.test', password: PASSWORD, active: false });
    assert.deepEqual(rowIds((await s.get('/mailboxes?q_address=alice')).text), [w.mailboxA]);
    assert.deepEqual(rowIds((await s.get('/mailboxes?q_address=ALICE')).text), [w.mailboxA]);
    const inactive = rowIds((await s.get('/mailboxes?q_active=0')).text);
    assert.equal(inactive.length, 1);
    assert.equal(rowIds((await s.get('/mailboxes?q_address=o_b')).text).length, 1); // bo_b only, not bob
    assert.equal(rowIds((await s.get('/mailboxes?q_address=%25')).text).length, 0);
    const none = await s.get('/mailboxes?q_address=nobody-here');
    assert.match(textOf(none.text), /Nothing matches this search/);
    assert.deepEqual(rowIds((await s.get(`/domains?q_client_name=${w.clientB}`)).text), [w.domainB]);
  });

  it('shows validation errors next to their field and keeps what was typed', async () => {
    const { w, s } = await admin();
    let r = await s.post('/domains/new', { name: 'not a domain', default_quota_mb: 'lots', active: '1' });
    assert.equal(r.status, 422);
    assert.match(r.text, /data-field="default_quota_mb"[\s\S]*?Enter a whole number\./);
    assert.match(r.text, /value="not a domain"/);
    r = await s.post('/domains/new', { name: 'not a domain', default_quota_mb: '5', active: '1' });
    assert.equal(r.status, 422);
    assert.match(r.text, /data-field="name"[\s\S]*?field-error">This is not a valid domain name/);

    r = await s.post('/mailboxes/new', { address_local: 'eve', address_domain: String(w.domainA), name: 'Eve <script>', password: 'short', quota_mb: '10', active: '1' });
    assert.equal(r.status, 422);
    assert.match(r.text, /data-field="password"[\s\S]*?at least 8 characters/);
    assert.match(r.text, /name="address_local" id="f_address_local" value="eve"/);
    assert.match(r.text, /value="Eve &lt;script&gt;"/);
    assert.match(r.text, new RegExp(`<option value="${w.domainA}" selected>`));
    assert.equal(await t().db('mailboxes').where({ address: 'eve@a.test' }).first(), undefined);

    r = await s.post('/mailboxes/new', { address_local: 'alice', address_domain: String(w.domainA), password: PASSWORD });
    assert.equal(r.status, 422);
    assert.match(r.text, /data-field="address"[\s\S]*?already in use/);

    r = await s.post('/forwards/new', { address_local: 'grp', address_domain: String(w.domainA), targets: 'ok@example.org; not-an-address' });
    assert.equal(r.status, 422);
    assert.match(r.text, /data-field="targets"[\s\S]*?not a valid mail address/);
    assert.match(r.text, /ok@example.org; not-an-address<\/textarea>/);

    r = await s.post('/aliases/new', { address_local: '', address_domain: String(w.domainA), targets: '' });
    assert.equal(r.status, 422);
    assert.match(r.text, /data-field="address"[\s\S]*?Required\./);
    assert.match(r.text, /data-field="targets"[\s\S]*?Required\./);
  });

  it('refuses a changing form without the session CSRF token (403, nothing changed)', async () => {
    const { w, app, s } = await admin();
    const noToken = await s.agent.post(`/domains/${w.domainA}/delete`).type('form').send({});
    assert.equal(noToken.status, 403);
    const badToken = await s.agent.post('/domains/new').type('form').send({ name: 'evil.test', _csrf: 'forged' });
    assert.equal(badToken.status, 403);
    const other = session(app);
    const otherToken = csrfFrom((await other.get('/login')).text);
    const foreign = await s.agent.post('/domains/new').type('form').send({ name: 'evil.test', _csrf: otherToken });
    assert.equal(foreign.status, 403);
    assert.ok(await t().db('domains').where({ id: w.domainA }).first());
    assert.equal(await t().db('domains').where({ name: 'evil.test' }).first(), undefined);
    // logout and login need the token too
    assert.equal((await s.agent.post('/logout').type('form').send({})).status, 403);
    assert.equal((await session(app).agent.post('/login').type('form').send({ username: 'admin', password: PASSWORD })).status, 403);
  });

  it('records who changed what in the audit log', async () => {
    const { w, s } = await admin();
    await follow(s, await s.post(`/domains/${w.domainA}`, { default_quota_mb: '7', active: '1', client_id: String(w.clientA) }));
    const entry = await t().db('audit_log').orderBy('id', 'desc').first();
    assert.equal(entry.actor, 'admin');
    assert.equal(entry.action, 'update');
    assert.equal(entry.resource, 'domains');
    assert.equal(Number(entry.object_id), w.domainA);
  });
});
