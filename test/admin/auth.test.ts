// Login of the three roles, throttling, session cookie, security headers, language choice,
// escaping, formatting per language, first admin and startAdmin.
import assert from 'node:assert/strict';
import request from 'supertest';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, session, textOf, PASSWORD } from './helpers';
import { createAccount, ensureInitialAdmin, LOGIN_LIMITS, authenticate } from '../../lib/accounts';
import { createMailbox } from '../../lib/directory';
import { verifyPassword, loadSettings } from '../../lib/core';
import { startAdmin } from '../../admin/app';
import { formatters, translator } from '../../admin/i18n';

function sid(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const c = cookies.find((x) => x.startsWith('mailhost.sid='));
  return c?.split(';')[0];
}

describeEachEngine('admin login and session', ({ t }) => {
  it('logs in admins, clients and mailbox users; refuses wrong passwords and inactive ones', async () => {
    await seedWorld(t().db);
    const app = makeApp(t());
    for (const who of ['admin', 'clienta', 'alice@a.test', 'ALICE@A.TEST']) await login(app, who);
    const s = session(app);
    const bad = await s.post('/login', { username: 'admin', password: 'not-the-password' });
    assert.equal(bad.status, 401);
    assert.match(textOf(bad.text), /Unknown user name or wrong password/);
    assert.match(bad.text, /id="username" name="username" value="admin"/);
    await t().db('mailboxes').where({ address: 'alice@a.test' }).update({ active: false });
    assert.equal((await s.post('/login', { username: 'alice@a.test', password: PASSWORD })).status, 401);
    await t().db('accounts').where({ username: 'clienta' }).update({ active: false });
    assert.equal((await s.post('/login', { username: 'clienta', password: PASSWORD })).status, 401);
    // pages need a login
    const anon = await request(app).get('/domains');
    assert.equal(anon.status, 303);
    assert.equal(anon.headers.location, '/login');
  });

  it('ends the session of an account deactivated while logged in', async () => {
    await seedWorld(t().db);
    const app = makeApp(t());
    const s = await login(app, 'clienta');
    assert.equal((await s.get('/domains')).status, 200);
    await t().db('accounts').where({ username: 'clienta' }).update({ active: false });
    assert.equal((await s.get('/domains')).status, 303);
  });

  it('throttles one account from one source, stored in the database (shared by every admin node), without locking its owner out elsewhere', async () => {
    await seedWorld(t().db);
    const app = makeApp(t());
    const s = session(app);
    for (let i = 0; i < LOGIN_LIMITS.perSource; i++) assert.equal((await s.post('/login', { username: 'clienta', password: `wrong-${i}` })).status, 401);
    const blocked = await s.post('/login', { username: 'clienta', password: PASSWORD });
    assert.equal(blocked.status, 429);
    assert.match(textOf(blocked.text), /Too many failed attempts/);
    // a second node (another app on the same database) refuses too
    const other = session(makeApp(t()));
    assert.equal((await other.post('/login', { username: 'clienta', password: PASSWORD })).status, 429);
    // another account from the same IP still works (below the IP limit)
    await login(app, 'admin');
    // the owner, from elsewhere, is not locked out by someone else's failures
    assert.equal((await authenticate(t().db, 'clienta', PASSWORD, '192.0.2.77')).ok, true);
    // after the window, the right password works again from the throttled source too
    const later = Date.now() + LOGIN_LIMITS.windowMs + 1000;
    const { key: ip } = await t().db('login_failures').where({ scope: 'ip' }).first('key');
    assert.equal((await authenticate(t().db, 'clienta', PASSWORD, ip, later)).ok, true);
  });

  it('throttles a mailbox whatever the spelling of its address', async () => {
    await seedWorld(t().db);
    const spellings = ['alice@a.test', 'Alice@A.TEST', '<alice@a.test>', '"alice"@a.test', 'alice@a.test.'];
    for (let i = 0; i < LOGIN_LIMITS.perSource; i++) await authenticate(t().db, spellings[i % spellings.length], `wrong-${i}`, '192.0.2.10');
    for (const login of spellings) assert.deepEqual(await authenticate(t().db, login, PASSWORD, '192.0.2.10'), { ok: false, reason: 'throttled' }, login);
    assert.equal((await authenticate(t().db, 'alice@a.test', PASSWORD, '192.0.2.11')).ok, true, 'the owner elsewhere');
  });

  it('slows an attack spread over many IPs on one account; a source that logged in before still gets in', async () => {
    await seedWorld(t().db);
    assert.equal((await authenticate(t().db, 'clienta', PASSWORD, '203.0.113.5')).ok, true); // the owner's usual place
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) await authenticate(t().db, 'clienta', `wrong-${i}`, `198.18.${i >> 8}.${i & 255}`);
    assert.deepEqual(await authenticate(t().db, 'clienta', PASSWORD, '198.51.100.200'), { ok: false, reason: 'throttled' });
    assert.equal((await authenticate(t().db, 'clienta', PASSWORD, '203.0.113.5')).ok, true);
  });

  it('throttles per IP across accounts', async () => {
    await seedWorld(t().db);
    for (let i = 0; i < LOGIN_LIMITS.perIp; i++) await authenticate(t().db, `nobody${i}`, 'x', '198.51.100.7');
    assert.deepEqual(await authenticate(t().db, 'admin', PASSWORD, '198.51.100.7'), { ok: false, reason: 'throttled' });
    assert.equal((await authenticate(t().db, 'admin', PASSWORD, '198.51.100.8')).ok, true);
  });

  it('renews the session id at login; cookie is httpOnly and SameSite; logout ends the session', async () => {
    await seedWorld(t().db);
    const app = makeApp(t());
    const agent = request.agent(app);
    const page = await agent.get('/login');
    const before = sid(page);
    assert.ok(before, 'the login page starts a session (CSRF token)');
    const cookie = ([] as string[]).concat(page.headers['set-cookie'])[0];
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const r = await agent.post('/login').type('form').send({ username: 'admin', password: PASSWORD, _csrf: token });
    assert.equal(r.status, 303);
    const after = sid(r);
    assert.ok(after && after !== before, 'new session id after login');
    assert.equal(await t().db('sessions').where({ sid: decodeURIComponent(before!.split('=')[1]).replace(/^s:/, '').split('.')[0] }).first(), undefined, 'old session gone');
    assert.ok(Number((await t().db('sessions').count({ n: '*' }))[0].n) >= 1, 'sessions live in the database');
    const home = await agent.get('/');
    assert.equal(home.status, 200);
    const token2 = /name="_csrf" value="([^"]+)"/.exec(home.text)![1];
    assert.notEqual(token2, token, 'a new CSRF token with the new session');
    const out = await agent.post('/logout').type('form').send({ _csrf: token2 });
    assert.equal(out.status, 303);
    assert.equal(out.headers.location, '/login');
    assert.equal((await agent.get('/')).status, 303);
  });

  it('sends strict security headers: CSP without inline script or style, no framing', async () => {
    const app = makeApp(t());
    const r = await request(app).get('/login');
    const csp = r.headers['content-security-policy'];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-powered-by'], undefined);
    assert.doesNotMatch(r.text, /<script|style=/);
    // Bootstrap and icons come from this server
    assert.match(r.text, /href="\/static\/bootstrap\/css\/bootstrap.min.css"/);
    assert.equal((await request(app).get('/static/bootstrap/css/bootstrap.min.css')).status, 200);
    assert.equal((await request(app).get('/static/icons/bootstrap-icons.min.css')).status, 200);
    assert.equal((await request(app).get('/static/icons/fonts/bootstrap-icons.woff2')).status, 200);
    assert.equal((await request(app).get('/static/admin/flags/fr.svg')).status, 200);
    const icon = await request(app).get('/favicon.ico');
    assert.equal(icon.status, 200);
    assert.match(icon.headers['content-type'], /^image\/svg\+xml/);
  });

  it('asks for a language at first login and keeps the choice (accounts and mailboxes)', async () => {
    await createAccount(t().db, { username: 'newbie', role: 'admin', password: PASSWORD });
    await createAccount(t().db, { username: 'other', role: 'admin', password: PASSWORD });
    const app = makeApp(t());
    const s = session(app);
    const r = await s.post('/login', { username: 'newbie', password: PASSWORD });
    assert.equal(r.headers.location, '/language');
    const agent = s.agent;
    const choose = await agent.get('/language');
    assert.match(choose.text, /name="language" value="fr"/);
    const token = /name="_csrf" value="([^"]+)"/.exec(choose.text)![1];
    const saved = await agent.post('/language').type('form').send({ language: 'fr', back: '/domains', _csrf: token });
    assert.equal(saved.headers.location, '/domains');
    assert.equal((await t().db('accounts').where({ username: 'newbie' }).first()).language, 'fr');
    const page = await agent.get('/domains');
    assert.match(page.text, /<html lang="fr">/);
    assert.match(textOf(page.text), /Langue enregistrée/);
    assert.match(textOf(page.text), /Domaines/);
    // the next login goes straight home, in French
    const again = session(app);
    const r2 = await again.post('/login', { username: 'newbie', password: PASSWORD });
    assert.equal(r2.headers.location, '/');
    assert.match((await again.agent.get('/')).text, /Déconnexion/);
    // an open redirect through "back" is refused
    const evil = await agent.post('/language').type('form').send({ language: 'en', back: '//evil.example/x', _csrf: token });
    assert.equal(evil.headers.location, '/');

    const mb = await createMailbox(t().db, { address: 'nolang@example.org', password: PASSWORD }).catch(async () => {
      const { createDomain } = await import('../../lib/directory');
      await createDomain(t().db, { name: 'example.org' });
      return createMailbox(t().db, { address: 'nolang@example.org', password: PASSWORD });
    });
    const u = session(app);
    assert.equal((await u.post('/login', { username: 'nolang@example.org', password: PASSWORD })).headers.location, '/language');
    const tok = /name="_csrf" value="([^"]+)"/.exec((await u.agent.get('/language')).text)![1];
    await u.agent.post('/language').type('form').send({ language: 'en', _csrf: tok });
    assert.equal((await t().db('mailboxes').where({ id: mb.mailbox.id }).first()).language, 'en');
  });

  it('escapes what users typed everywhere (no HTML injection)', async () => {
    const w = await seedWorld(t().db);
    await t().db('mailboxes').where({ id: w.mailboxA }).update({ name: '<img src=x onerror=alert(1)>"quoted"' });
    await t().db('accounts').where({ id: w.clientA }).update({ name: '<b>Client</b>' });
    const app = makeApp(t());
    const s = await login(app, 'admin');
    for (const path of ['/mailboxes', `/mailboxes/${w.mailboxA}`, `/mailboxes/${w.mailboxA}/delete`]) {
      const r = await s.get(path);
      assert.doesNotMatch(r.text, /<img src=x/);
      if (!path.endsWith('/delete')) assert.match(r.text, /&lt;img src=x onerror=alert\(1\)&gt;&#34;quoted&#34;/);
    }
    const c = await login(app, 'clienta');
    const home = await c.get('/');
    assert.doesNotMatch(home.text, /<b>Client<\/b>/);
    assert.match(home.text, /&lt;b&gt;Client&lt;\/b&gt;/);
  });

  it('formats dates, numbers and sizes per language', () => {
    const d = new Date(Date.UTC(2026, 10, 23, 10, 30));
    assert.match(formatters('fr').date(d), /23 nov\. 2026/);
    assert.match(formatters('en').date(d), /23 Nov 2026/);
    assert.equal(formatters('fr').number(1234567), '1\u202f234\u202f567');
    assert.equal(formatters('en').number(1234567), '1,234,567');
    assert.equal(formatters('fr').bytes(1536), '1,5 Ko');
    assert.equal(formatters('en').bytes(1536), '1.5 KB');
    assert.equal(formatters('en').date('2026-11-23 10:30:00'), formatters('en').date(d), 'SQLite UTC strings');
    assert.equal(translator('fr')('common.count', { count: 2, formatted: '2' }), '2 éléments');
  });
});

describeEachEngine('first admin and startAdmin', ({ t }) => {
  it('creates the first admin once, with a generated or given password', async () => {
    const first = await ensureInitialAdmin(t().db, {});
    assert.ok(first && first.generated && first.username === 'admin');
    assert.ok(await verifyPassword(first.password, (await t().db('accounts').where({ username: 'admin' }).first()).password_hash));
    assert.equal(await ensureInitialAdmin(t().db, {}), null);
    await t().db('accounts').delete();
    const given = await ensureInitialAdmin(t().db, { MAILHOST_ADMIN_PASSWORD: 'Given-pass-123' });
    assert.deepEqual(given, { username: 'admin', password: 'Given-pass-123', generated: false });
  });

  it('startAdmin migrates, creates the admin, listens and closes', async () => {
    const settings = { ...loadSettings({ MAILHOST_DATA: t().dir, MAILHOST_DB: t().url }), httpListen: { host: '127.0.0.1', port: 0 } };
    const lines: string[] = [];
    const close = await startAdmin(settings, { env: {}, log: (l) => lines.push(l) });
    try {
      const password = /password: (\S+)/.exec(lines.join('\n'))?.[1];
      assert.ok(password, 'the generated password is printed once');
      const r = await fetch(`${close.url}/login`);
      assert.equal(r.status, 200);
      assert.match(await r.text(), /mailhost/);
    } finally {
      await close();
    }
    const lines2: string[] = [];
    const close2 = await startAdmin(settings, { env: {}, log: (l) => lines2.push(l) });
    await close2();
    assert.doesNotMatch(lines2.join('\n'), /password/, 'nothing printed once an admin exists');
  });
});
