// Permissions over HTTP: what a mailbox owner may change, set by the admin on the client and by
// the admin or the client on the mailbox. A permission switched off hides the tab or field from
// the owner AND refuses a crafted request for it (403, nothing changed in the database);
// switched on, it works. A client is offered only its plan, and its limits refuse the domain,
// mailbox or quota beyond them, for the client and for an admin alike.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, textOf, PASSWORD, type Session, type World } from './helpers';
import { OWNER_PERMISSIONS, clientLimits, clientPermissions, mailboxPermissions, setMailboxPermissions, mayChangeSenders } from '../../lib/accounts';
import { storeQuarantined, linkFor, linkSecret, previewDigest } from '../../lib/quarantine';

const tabsOf = (html: string) => [...html.matchAll(/data-tab="([a-z_]+)"/g)].map((m) => m[1]);
const offered = (html: string, name: string) => [...html.matchAll(new RegExp(`name="${name}" id="[^"]+" value="([a-z]+)"`, 'g'))].map((m) => m[1]);

describeEachEngine('admin permissions: hidden and refused, client limits', ({ t }) => {
  async function setup(): Promise<{ w: World; admin: Session; client: Session; user: Session; app: ReturnType<typeof makeApp> }> {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    return { w, app, admin: await login(app, 'admin'), client: await login(app, 'clienta'), user: await login(app, 'alice@a.test') };
  }
  const mailbox = (w: World) => t().db('mailboxes').where({ id: w.mailboxA }).first();

  it('by default the owner has every tab; the Permissions tab is for the admin and the client only', async () => {
    const { w, admin, client, user } = await setup();
    const own = await user.get(`/mailboxes/${w.mailboxA}`);
    for (const tab of ['mailbox', 'forwarding', 'spam', 'quarantine', 'autoresponder', 'attachments', 'sender_lists']) assert.ok(tabsOf(own.text).includes(tab), tab);
    assert.ok(!tabsOf(own.text).includes('permissions'));
    assert.match(own.text, /name="password"/);
    for (const s of [admin, client]) {
      const page = await s.get(`/mailboxes/${w.mailboxA}?tab=permissions`);
      assert.equal(page.status, 200);
      assert.deepEqual(offered(page.text, 'owner_permissions'), [...OWNER_PERMISSIONS]);
      assert.deepEqual(offered(page.text, 'owner_permissions').filter((p) => new RegExp(`value="${p}" checked`).test(page.text)), [...OWNER_PERMISSIONS]);
    }
    // the owner posting the field anyway changes nothing (a field of another role is ignored)
    await user.post(`/mailboxes/${w.mailboxA}?tab=permissions`, { name: 'Alice', owner_permissions: ['spam'] });
    assert.equal((await mailboxPermissions(t().db, w.mailboxA)).size, OWNER_PERMISSIONS.length);
  });

  it('the client takes rights away: the owner no longer sees them, crafted requests answer 403 and change nothing', async () => {
    const { w, admin, client, user } = await setup();
    const set = await client.post(`/mailboxes/${w.mailboxA}?tab=permissions`, { owner_permissions: ['password', 'spam'] });
    assert.equal(set.status, 303, textOf(set.text));
    assert.deepEqual([...(await mailboxPermissions(t().db, w.mailboxA))].sort(), ['password', 'spam']);
    const page = await client.get(`/mailboxes/${w.mailboxA}?tab=permissions`);
    assert.match(page.text, /value="spam" checked/);
    assert.doesNotMatch(page.text, /value="redirect" checked/);

    const own = await user.get(`/mailboxes/${w.mailboxA}`);
    assert.deepEqual(tabsOf(own.text), ['mailbox', 'spam']);
    const before = await mailbox(w);
    // each hidden tab, asked for or posted to
    for (const [path, body] of [
      [`/mailboxes/${w.mailboxA}?tab=forwarding`, { redirect_to: 'thief@evil.example', keep_copy: '1' }],
      [`/mailboxes/${w.mailboxA}?tab=quarantine`, { digest_frequency: 'weekly', digest_to: 'thief@evil.example' }],
      // a hidden field posted with a visible tab
      [`/mailboxes/${w.mailboxA}?tab=mailbox`, { name: 'Renamed', redirect_to: 'thief@evil.example' }],
      [`/mailboxes/${w.mailboxA}?tab=spam`, { spam_mode: 'inherit', digest_frequency: 'never' }],
      [`/mailboxes/${w.mailboxA}/autoreplies/new`, { name: 'x', enabled: '1', condition: 'always', body_text: 'away', max_per_day: '1', max_correspondents: '10' }],
      [`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'allow', pattern: 'friend@example.org' }],
    ] as const) {
      const r = await user.post(path, body as Record<string, string>);
      assert.equal(r.status, 403, path);
      assert.match(r.text, /Not allowed/);
    }
    for (const path of ['?tab=forwarding', '?tab=quarantine', '/autoreplies', '/files', '/senders', '/senders/new']) {
      assert.equal((await user.get(`/mailboxes/${w.mailboxA}${path}`)).status, 403, path);
    }
    const after = await mailbox(w);
    for (const col of ['name', 'redirect_to', 'keep_copy', 'digest_frequency', 'digest_to', 'spam_policy_id']) assert.deepEqual(after[col], before[col], col);
    assert.equal((await t().db('autoreplies').where({ mailbox_id: w.mailboxA })).length, 0);
    assert.equal((await t().db('sender_lists').where({ mailbox_id: w.mailboxA })).length, 0);

    // what stays allowed still works for the owner
    const named = await user.post(`/mailboxes/${w.mailboxA}?tab=mailbox`, { name: 'Alice A' });
    assert.equal(named.status, 303);
    assert.equal((await mailbox(w)).name, 'Alice A');
    // the client and the admin are not restricted by the owner's rights
    assert.equal((await client.post(`/mailboxes/${w.mailboxA}?tab=forwarding`, { redirect_to: 'alice@elsewhere.example' })).status, 303);
    assert.equal((await admin.post(`/mailboxes/${w.mailboxA}/senders/new`, { kind: 'allow', pattern: 'friend@example.org' })).status, 303);
    assert.equal((await mailbox(w)).redirect_to, 'alice@elsewhere.example');

    // given back: the owner sees and changes it again
    assert.equal((await admin.post(`/mailboxes/${w.mailboxA}?tab=permissions`, { owner_permissions: [...OWNER_PERMISSIONS] })).status, 303);
    assert.equal((await user.post(`/mailboxes/${w.mailboxA}?tab=forwarding`, { redirect_to: 'alice@home.example' })).status, 303);
    assert.equal((await mailbox(w)).redirect_to, 'alice@home.example');
    assert.equal((await user.post(`/mailboxes/${w.mailboxA}/autoreplies/new`, { name: 'x', enabled: '1', condition: 'always', body_text: 'away', max_per_day: '1', max_correspondents: '10' })).status, 303);
  });

  it('without the sender lists, releasing from the quarantine does not offer nor accept "always accept this sender"', async () => {
    const { w, user } = await setup();
    const raw = Buffer.from('From: Shop <news@shop.example>\r\nTo: alice@a.test\r\nSubject: Offer\r\n\r\nBuy.\r\n');
    const [id] = await storeQuarantined(t().db, raw, [{ mailboxId: w.mailboxA, category: 'spam' }], { mailFrom: 'news@shop.example', headerFrom: 'news@shop.example', subject: 'Offer', score: 9, reasons: [] });
    assert.match((await user.get(`/quarantine/${id}/release`)).text, /name="accept" id="accept-sender"/);
    await setMailboxPermissions(t().db, w.mailboxA, { senders: false });
    assert.doesNotMatch((await user.get(`/quarantine/${id}/release`)).text, /name="accept"/);
    const crafted = await user.post(`/quarantine/${id}/release`, { accept: 'sender' });
    assert.equal(crafted.status, 409);
    assert.match(textOf(crafted.text), /You are not allowed to change this\./);
    assert.equal(Number((await t().db('quarantine').where({ id }).first()).released), 0);
    assert.equal((await t().db('sender_lists').where({ mailbox_id: w.mailboxA })).length, 0);
    const plain = await user.post(`/quarantine/${id}/release`, { accept: 'none' });
    assert.match(plain.text, /id="release-done"/);
    // the digest's "accept this newsletter" link: refused, nothing released nor listed
    const [news] = await storeQuarantined(t().db, raw, [{ mailboxId: w.mailboxA, category: 'newsletter' }], { mailFrom: 'news@shop.example', headerFrom: 'news@shop.example', subject: 'News', score: 1, reasons: [] });
    const link = await user.post(`/q/${linkFor(linkSecret(t().dir), 'accept_newsletter', news, w.mailboxA)}`);
    assert.equal(link.status, 409);
    assert.match(textOf(link.text), /You are not allowed to change this\./);
    assert.equal(Number((await t().db('quarantine').where({ id: news }).first()).released), 0);
    assert.equal((await t().db('sender_lists').where({ mailbox_id: w.mailboxA })).length, 0);
    // nor does the report offer that link (the plugin and the CLI pass the permission in)
    const db = t().db;
    const digestActions = async () =>
      (await previewDigest(db, w.mailboxA, { secret: 's', baseUrl: 'http://x', mayAcceptSenders: (id) => mayChangeSenders(db, id) })).entries.find((e) => e.row.id === news)!.links.map((l) => l.action);
    assert.deepEqual(await digestActions(), ['release', 'preview', 'report']);
    await setMailboxPermissions(db, w.mailboxA, { senders: true });
    assert.deepEqual(await digestActions(), ['release', 'preview', 'report', 'accept_newsletter']);
  });

  it('the admin takes the password away from all of a client\'s owners: no field, a posted one is refused', async () => {
    const { w, admin, user, app } = await setup();
    const acct = await admin.get(`/accounts/${w.clientA}?tab=permissions`);
    assert.equal(acct.status, 200);
    assert.ok(tabsOf(acct.text).includes('permissions'));
    for (const f of ['client_permissions', 'max_domains', 'max_mailboxes', 'max_quota_mb']) assert.match(acct.text, new RegExp(`data-field="${f}"`), f);
    const r = await admin.post(`/accounts/${w.clientA}?tab=permissions`, { client_permissions: OWNER_PERMISSIONS.filter((p) => p !== 'password') });
    assert.equal(r.status, 303, textOf(r.text));
    assert.ok(!(await clientPermissions(t().db, w.clientA)).has('password'));
    // the mailbox still says yes; the client's ceiling says no
    assert.ok((await mailboxPermissions(t().db, w.mailboxA)).has('password'));

    const own = await user.get(`/mailboxes/${w.mailboxA}`);
    assert.doesNotMatch(own.text, /name="password"|name="current_password"/);
    const hash = (await mailbox(w)).password_hash;
    const tried = await user.post(`/mailboxes/${w.mailboxA}?tab=mailbox`, { name: '', password: 'New-password-99', password_confirm: 'New-password-99', current_password: PASSWORD });
    assert.equal(tried.status, 403);
    assert.equal((await mailbox(w)).password_hash, hash);
    // bob's client did not change: bob keeps the right
    const bob = await login(app, 'bob@b.test');
    assert.match((await bob.get(`/mailboxes/${w.mailboxB}`)).text, /name="password"/);

    // an admin account has no plan: no tab, and a crafted request is refused
    assert.ok(!tabsOf((await admin.get(`/accounts/${w.adminId}`)).text).includes('permissions'));
    assert.equal((await admin.get(`/accounts/${w.adminId}?tab=permissions`)).status, 403);
    assert.equal((await admin.post(`/accounts/${w.adminId}`, { name: 'Ada', client_permissions: ['spam'] })).status, 403);
  });

  it('a client is offered only what its plan includes, and a crafted grant beyond it is refused', async () => {
    const { w, admin, client } = await setup();
    await admin.post(`/accounts/${w.clientA}?tab=permissions`, { client_permissions: ['password', 'redirect'] });
    const page = await client.get(`/mailboxes/${w.mailboxA}?tab=permissions`);
    assert.deepEqual(offered(page.text, 'owner_permissions'), ['password', 'redirect']);
    const r = await client.post(`/mailboxes/${w.mailboxA}?tab=permissions`, { owner_permissions: ['password', 'spam'] });
    assert.equal(r.status, 422);
    assert.match(textOf(r.text), /Choose a value from the list/);
    assert.equal((await mailboxPermissions(t().db, w.mailboxA)).size, OWNER_PERMISSIONS.length, 'nothing changed');
    // unticking what it was offered leaves the rest as the admin set it
    assert.equal((await client.post(`/mailboxes/${w.mailboxA}?tab=permissions`, { owner_permissions: ['password'] })).status, 303);
    assert.deepEqual([...(await mailboxPermissions(t().db, w.mailboxA))].sort(), ['autoreply', 'digest', 'password', 'senders', 'spam']);
    // the client neither sees nor changes its own plan
    const mine = await client.get(`/accounts/${w.clientA}`);
    assert.doesNotMatch(mine.text, /data-field="max_domains"|data-field="client_permissions"/);
    await client.post(`/accounts/${w.clientA}?tab=permissions`, { name: 'A', max_domains: '999', client_permissions: [...OWNER_PERMISSIONS] });
    assert.deepEqual([...(await clientPermissions(t().db, w.clientA))].sort(), ['password', 'redirect']);
    assert.equal((await clientLimits(t().db, w.clientA)).maxDomains, null);
  });

  it('client limits: the N+1th domain and mailbox and a quota over the total are refused, for the client and the admin', async () => {
    const { w, admin, client } = await setup();
    const bad = await admin.post(`/accounts/${w.clientA}?tab=permissions`, { client_permissions: [...OWNER_PERMISSIONS], max_domains: '-3', max_mailboxes: '2', max_quota_mb: '300' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /data-field="max_domains"[\s\S]*?Enter a whole number, or leave empty for unlimited/);
    assert.deepEqual(await clientLimits(t().db, w.clientA), { maxDomains: null, maxMailboxes: null, maxQuotaMb: null });
    const ok = await admin.post(`/accounts/${w.clientA}?tab=permissions`, { client_permissions: [...OWNER_PERMISSIONS], max_domains: '1', max_mailboxes: '2', max_quota_mb: '300' });
    assert.equal(ok.status, 303);
    assert.match((await admin.get(`/accounts/${w.clientA}?tab=permissions`)).text, /name="max_quota_mb" id="f_max_quota_mb" value="300"/);

    // the client reads its plan and its use on its own account, read-only
    const plan = await client.get(`/accounts/${w.clientA}?tab=plan`);
    assert.equal(plan.status, 200);
    const facts = [...plan.text.matchAll(/id="f_plan_[a-z_]+" value="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(facts.slice(0, 3), ['1 of 1', '1 of 2', '0 MB of 300 MB']);
    assert.equal(facts[3], 'change all of these settings themselves');
    assert.doesNotMatch(plan.text, /id="save-button"/);
    assert.ok(!tabsOf((await admin.get(`/accounts/${w.clientA}`)).text).includes('plan'));

    // domains: a.test is its one domain
    const dom = await client.post('/domains/new', { name: 'second-a.test', default_quota_mb: '0', active: '1' });
    assert.equal(dom.status, 422);
    assert.match(textOf(dom.text), /Your plan allows 1 domain \(you already have 1\)\./);
    assert.equal(await t().db('domains').where({ name: 'second-a.test' }).first(), undefined);
    // nor may an admin give it another one
    const given = await admin.post(`/domains/${w.domainB}`, { client_id: String(w.clientA), default_quota_mb: '0', active: '1' });
    assert.equal(given.status, 422);
    assert.match(textOf(given.text), /The plan of client clienta allows 1 domain/);
    assert.equal(Number((await t().db('domains').where({ id: w.domainB }).first()).client_id), w.clientB);

    // mailboxes: alice@ is the first; with a quota limit each new one needs a quota
    const noQuota = await client.post('/mailboxes/new', { address_local: 'carol', address_domain: String(w.domainA), password: PASSWORD, password_confirm: PASSWORD, active: '1' });
    assert.equal(noQuota.status, 422);
    assert.match(textOf(noQuota.text), /Your plan allows 300 MB of mailbox quota in all: give this mailbox a quota/);
    const carol = await client.post('/mailboxes/new', { address_local: 'carol', address_domain: String(w.domainA), password: PASSWORD, password_confirm: PASSWORD, quota_mb: '200', active: '1' });
    assert.equal(carol.status, 303, textOf(carol.text));
    const third = await client.post('/mailboxes/new', { address_local: 'dave', address_domain: String(w.domainA), password: PASSWORD, password_confirm: PASSWORD, quota_mb: '10', active: '1' });
    assert.equal(third.status, 422);
    assert.match(textOf(third.text), /Your plan allows 2 mailboxes \(you already have 2\)\./);
    const byAdmin = await admin.post('/mailboxes/new', { address_local: 'dave', address_domain: String(w.domainA), password: PASSWORD, password_confirm: PASSWORD, quota_mb: '10', active: '1' });
    assert.equal(byAdmin.status, 422);
    assert.match(textOf(byAdmin.text), /The plan of client clienta allows 2 mailboxes/);
    assert.equal(await t().db('mailboxes').where({ address: 'dave@a.test' }).first(), undefined);

    // quota: 200 given of 300
    const id = Number((await t().db('mailboxes').where({ address: 'carol@a.test' }).first()).id);
    const raise = await client.post(`/mailboxes/${id}?tab=mailbox`, { name: 'Carol', quota_mb: '301', active: '1' });
    assert.equal(raise.status, 422);
    assert.match(raise.text, /data-field="quota_mb"[\s\S]*?Your plan allows 300 MB of mailbox quota in all \(200 MB already given\)/);
    assert.equal(Number((await t().db('mailboxes').where({ id }).first()).quota_mb), 200);
    assert.equal((await client.post(`/mailboxes/${id}?tab=mailbox`, { name: 'Carol', quota_mb: '300', active: '1' })).status, 303);
    assert.equal(Number((await t().db('mailboxes').where({ id }).first()).quota_mb), 300);
  });

  it('two creations at the same instant: the last free domain or mailbox of a plan goes to one of them, the other is refused', async () => {
    const { w, admin, client } = await setup();
    await admin.post(`/accounts/${w.clientA}?tab=permissions`, { client_permissions: [...OWNER_PERMISSIONS], max_domains: '2', max_mailboxes: '2', max_quota_mb: '' });
    await client.token(); // fetched once before the race, not by both requests at once
    const both = async (make: (name: string) => Promise<{ status: number; text: string }>, names: string[]) => {
      const answers = await Promise.all(names.map(make));
      assert.deepEqual(answers.map((r) => r.status).sort(), [303, 422], answers.map((r) => textOf(r.text).slice(0, 200)).join(' | '));
      return textOf(answers.find((r) => r.status === 422)!.text);
    };
    const domainRefusal = await both((name) => client.post('/domains/new', { name, default_quota_mb: '0', active: '1' }), ['race-1.test', 'race-2.test']);
    assert.match(domainRefusal, /Your plan allows 2 domains \(you already have 2\)\./);
    assert.equal((await t().db('domains').whereIn('name', ['race-1.test', 'race-2.test'])).length, 1);
    const mailboxRefusal = await both(
      (local) => client.post('/mailboxes/new', { address_local: local, address_domain: String(w.domainA), password: PASSWORD, password_confirm: PASSWORD, active: '1' }),
      ['carol', 'dave'],
    );
    assert.match(mailboxRefusal, /Your plan allows 2 mailboxes \(you already have 2\)\./);
    const winners = await t().db('mailboxes').whereIn('address', ['carol@a.test', 'dave@a.test']);
    assert.equal(winners.length, 1);
    // quota: 200 MB for each of two mailboxes fits a 300 MB plan alone, not both
    await admin.post(`/accounts/${w.clientA}?tab=permissions`, { client_permissions: [...OWNER_PERMISSIONS], max_domains: '2', max_mailboxes: '2', max_quota_mb: '300' });
    const ids = [w.mailboxA, Number(winners[0].id)];
    const quotaRefusal = await both((id) => client.post(`/mailboxes/${id}?tab=mailbox`, { name: 'Raised', quota_mb: '200', active: '1' }), ids.map(String));
    assert.match(quotaRefusal, /Your plan allows 300 MB of mailbox quota in all \(200 MB already given\)/);
    assert.deepEqual((await t().db('mailboxes').whereIn('id', ids).orderBy('quota_mb')).map((m) => Number(m.quota_mb)), [0, 200]);
  });
});
