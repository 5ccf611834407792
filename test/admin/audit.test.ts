// The audit log page over HTTP: an admin sees every line, a client the lines about its domains
// and what lives in them (scoped in SQL, whatever the filters), a mailbox user is refused (404);
// filters by who, type, object and date range; newest first; a change made with the CLI shows
// as "CLI (<operator>)" and is its domain's.
import assert from 'node:assert/strict';
import os from 'node:os';
import { describeEachEngine } from '../helpers/db';
import { main } from '../../bin/cli';
import { recordAudit } from '../../lib/accounts';
import { makeApp, login, seedWorld, textOf, PASSWORD, type World } from './helpers';

/** The lines of the list, as text, top to bottom. */
function lines(html: string): string[] {
  return [...html.matchAll(/<tr class="data-row" data-id="\d+">([^]*?)<\/tr>/g)].map((m) => textOf(m[1]).trim());
}

describeEachEngine('admin audit log page', ({ t }) => {
  const JAN_10 = Date.UTC(2026, 0, 10, 12);

  async function setup(): Promise<{ w: World; app: ReturnType<typeof makeApp> }> {
    const db = t().db;
    const w = await seedWorld(db);
    const app = makeApp(t());
    const admin = await login(app, 'admin');
    // through the pages: the admin changes a.test, client B deletes an alias of b.test
    assert.equal((await admin.post(`/domains/${w.domainA}`, { default_quota_mb: '7', active: '1', client_id: String(w.clientA) })).status, 303);
    const cb = await login(app, 'clientb');
    assert.equal((await cb.post(`/aliases/${w.aliasB}/delete`)).status, 303);
    // through the CLI: a mailbox of a.test
    const err: string[] = [];
    const code = await main(['mailbox', 'set', 'alice@a.test', '--name', 'Alice A.'], { env: { MAILHOST_DB: t().url, MAILHOST_DATA: t().dir }, out: () => undefined, err: (s) => err.push(s) });
    assert.equal(code, 0, err.join('\n'));
    // a line written before lines had a domain (about no domain: admins only), in January
    await recordAudit(db, { actorRole: 'admin', actor: 'olduser', action: 'create', resource: 'spam-policies', objectLabel: 'strict' }, JAN_10);
    return { w, app };
  }

  it('admin: every line, newest first, with who (the CLI as its operator), action, type, object and domain', async () => {
    const { app } = await setup();
    const s = await login(app, 'admin');
    const r = await s.get('/audit');
    assert.equal(r.status, 200);
    const l = lines(r.text);
    assert.equal(l.length, 4, l.join('\n'));
    assert.match(l[0], new RegExp(`CLI \\(${os.userInfo().username}\\) Changed Mailbox alice@a\\.test a\\.test name`));
    assert.match(l[1], /clientb Deleted Alias, forward or catch-all info@b\.test b\.test/);
    assert.match(l[2], /admin Changed Domain a\.test a\.test/);
    assert.match(l[3], /olduser Created Spam policy strict/);
    assert.match(r.text, /<a class="[^"]*" href="\/audit"[^>]*>/, 'menu entry');
    // read-only: no add button, no row links, no delete buttons
    assert.doesNotMatch(r.text, /id="add-button"|class="row-link"|delete-button/);
    assert.equal((await s.get('/audit/1')).status, 404);
    assert.equal((await s.post('/audit/1/delete')).status, 404);
  });

  it('client: only the lines of its domains, whatever the filters', async () => {
    const { app } = await setup();
    const a = await login(app, 'clienta');
    const r = await a.get('/audit');
    assert.equal(r.status, 200);
    const l = lines(r.text);
    assert.equal(l.length, 2, l.join('\n'));
    assert.match(l[0], /CLI .* alice@a\.test/);
    assert.match(l[1], /admin Changed Domain a\.test/);
    assert.match(r.text, /<a class="[^"]*" href="\/audit"[^>]*>/, 'menu entry');
    assert.equal(lines((await a.get('/audit?q_object_label=info%40b.test')).text).length, 0);
    assert.equal(lines((await a.get('/audit?q_who=olduser')).text).length, 0);
    const b = lines((await (await login(app, 'clientb')).get('/audit')).text);
    assert.deepEqual(b.length, 1);
    assert.match(b[0], /info@b\.test/);
  });

  it('a mailbox owner\'s change of its own sender list is its domain\'s line (through the mailbox)', async () => {
    const { app } = await setup();
    const u = await login(app, 'alice@a.test', PASSWORD);
    const box = await t().db('mailboxes').where({ address: 'alice@a.test' }).first('id');
    assert.equal((await u.post(`/mailboxes/${box.id}/senders/new`, { kind: 'block', pattern: 'spammer@evil.test' })).status, 303);
    const l = lines((await (await login(app, 'clienta')).get('/audit?q_type=sender_list')).text);
    assert.equal(l.length, 1, l.join('\n'));
    assert.match(l[0], /alice@a\.test Created Sender list spammer@evil\.test a\.test kind, pattern/);
    assert.equal(lines((await (await login(app, 'clientb')).get('/audit?q_type=sender_list')).text).length, 0);
  });

  it('a mailbox user: 404, and no menu entry', async () => {
    const { app } = await setup();
    const u = await login(app, 'alice@a.test', PASSWORD);
    assert.equal((await u.get('/audit')).status, 404);
    assert.doesNotMatch((await u.get('/')).text, /href="\/audit"/);
  });

  it('filters: who, action, type (pages and CLI alike), object, domain, date range', async () => {
    const { app } = await setup();
    const s = await login(app, 'admin');
    const only = async (query: string) => lines((await s.get(`/audit?${query}`)).text);
    assert.deepEqual((await only('q_who=(cli)')).length, 1);
    assert.equal((await only('q_who=clientb')).length, 1);
    assert.deepEqual((await only('q_action=delete')).map((x) => /info@b\.test/.test(x)), [true]);
    assert.equal((await only('q_type=mailbox')).length, 1);
    assert.equal((await only('q_type=domain')).length, 1);
    assert.equal((await only('q_type=spam_policy')).length, 1);
    assert.equal((await only('q_object_label=ALICE')).length, 1);
    assert.equal((await only('q_domain_name=a.test')).length, 2);
    const jan = await only('q_from=2026-01-01&q_to=2026-01-31');
    assert.equal(jan.length, 1);
    assert.match(jan[0], /olduser/);
    assert.equal((await only('q_to=2026-01-09')).length, 0);
    assert.equal((await only('q_from=2026-01-11')).length, 3);
    // the date filters are drawn above the list, kept in the page links
    const page = await s.get('/audit?q_from=2026-01-01');
    assert.match(page.text, /<input type="date"[^>]*name="q_from" value="2026-01-01">/);
  });

  it('sortable by who and by object; the default is newest first', async () => {
    const { app } = await setup();
    const s = await login(app, 'admin');
    const byWho = lines((await s.get('/audit?sort=who')).text);
    assert.equal(byWho.length, 4);
    assert.match(byWho[0], /admin Changed Domain/);
    assert.ok(byWho.findIndex((x) => /clientb/.test(x)) < byWho.findIndex((x) => /olduser/.test(x)));
    const objects = lines((await s.get('/audit?sort=object_label')).text);
    assert.match(objects[0], /a\.test/);
    assert.match(objects[3], /strict/);
  });
});
