// Lost password through the admin: the link goes out by SMTP (a loopback sink as the relay,
// the path of the quarantine notices), works once, expires, ends the login's sessions; the
// request page answers the same for every login and is throttled.
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { simpleParser } from 'mailparser';
import { describeEachEngine, type TestDb } from '../../helpers/db';
import { startSink, type Sink } from '../../helpers/smtp';
import { seedWorld, login, session, textOf, PASSWORD } from '../helpers';
import { createApp } from '../../../admin/app';
import { loadSettings } from '../../../lib/core';
import { updateMailbox } from '../../../lib/directory';
import { requestPasswordReset, RESET_LIMITS, RESET_LINK_MS, LOGIN_LIMITS, updateAccount, authenticate } from '../../../lib/accounts';

const NEW_PASSWORD = 'Another-pass-77';

/** The admin with MAILHOST_RELAY on the sink: its mail (the links) lands there. */
function appWithRelay(t: TestDb, sink: Sink): Express {
  const settings = loadSettings({ MAILHOST_DATA: t.dir, MAILHOST_DB: t.url, MAILHOST_RELAY: `127.0.0.1:${sink.port}` });
  return createApp({ db: t.db, settings, sessionSecret: 'test-secret', sessionCleanupMs: 0 });
}

async function linkIn(raw: Buffer): Promise<string> {
  const m = /\/password\/reset\/[\w-]+/.exec((await simpleParser(raw)).text ?? '');
  assert.ok(m, 'the mail holds a reset link');
  return m[0];
}

/** The page without its per-session CSRF token (what a visitor could compare). */
const answerOf = (html: string) => textOf(html.replace(/name="_csrf" value="[^"]*"/, ''));

describeEachEngine('admin lost password', ({ t }) => {
  let sink: Sink;
  beforeEach(async () => {
    sink = await startSink();
  });
  afterEach(async () => {
    await sink.close();
  });

  it('mails a link to the recovery address that sets the password once and ends every session of the mailbox', async () => {
    const w = await seedWorld(t().db);
    await updateMailbox(t().db, w.mailboxA, { recoveryEmail: 'alice.home@example.org' });
    const app = appWithRelay(t(), sink);
    assert.match((await session(app).get('/login')).text, /href="\/password\/forgot"/);
    const before = await login(app, 'alice@a.test');
    assert.equal((await before.get(`/mailboxes/${w.mailboxA}`)).status, 200);

    const asked = await session(app).post('/password/forgot', { login: 'Alice@A.test' });
    assert.equal(asked.status, 200);
    assert.match(textOf(asked.text), /a link to choose a new password was just sent/);
    const [mail] = await sink.waitFor(1);
    assert.deepEqual(mail.to, ['alice.home@example.org']);
    const link = await linkIn(mail.raw);

    const visitor = session(app);
    const form = await visitor.get(link);
    assert.equal(form.status, 200);
    assert.match(form.text, /name="password_confirm"/);
    assert.match(textOf(form.text), /New password for alice@a\.test/);
    // a mistyped confirmation does not spend the link
    const mismatch = await visitor.post(link, { password: NEW_PASSWORD, password_confirm: 'Other-pass-77' });
    assert.equal(mismatch.status, 400);
    assert.match(textOf(mismatch.text), /The two passwords differ/);
    const done = await visitor.post(link, { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, '/login');

    // the session open before the reset is over: its cookie gets the login page
    const ended = await before.get(`/mailboxes/${w.mailboxA}`);
    assert.equal(ended.status, 303);
    assert.equal(ended.headers.location, '/login');
    assert.equal((await authenticate(t().db, 'alice@a.test', PASSWORD, '192.0.2.1')).ok, false);
    await login(app, 'alice@a.test', NEW_PASSWORD);

    // once only
    assert.equal((await session(app).get(link)).status, 410);
    const again = await session(app).post(link, { password: 'Third-pass-99', password_confirm: 'Third-pass-99' });
    assert.equal(again.status, 410);
    assert.match(textOf(again.text), /already used, it expired/);
    await login(app, 'alice@a.test', NEW_PASSWORD);
  });

  it('answers the same for an unknown login, one without a recovery address and one with; accounts use their email', async () => {
    const w = await seedWorld(t().db);
    await updateAccount(t().db, w.clientA, { email: 'boss@example.org' });
    const app = appWithRelay(t(), sink);
    const answers = [];
    for (const who of ['nobody@a.test', 'bob@b.test', 'nosuchuser', 'clienta']) {
      const r = await session(app).post('/password/forgot', { login: who });
      assert.equal(r.status, 200, who);
      answers.push(answerOf(r.text).replace(who, 'X'));
    }
    assert.equal(new Set(answers).size, 1, 'one answer for all');
    assert.match(answers[0], /Otherwise, ask your administrator/);
    const mails = await sink.waitFor(1);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0].to, ['boss@example.org']);
    const link = await linkIn(mails[0].raw);
    const r = await session(app).post(link, { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
    assert.equal(r.status, 303);
    await login(app, 'clienta', NEW_PASSWORD);
  });

  it('lets the owner in from a source throttled by failed logins once the link was used', async () => {
    const w = await seedWorld(t().db);
    await updateMailbox(t().db, w.mailboxA, { recoveryEmail: 'alice.home@example.org' });
    const app = appWithRelay(t(), sink);
    const s = session(app);
    for (let i = 0; i < LOGIN_LIMITS.perSource; i++) assert.equal((await s.post('/login', { username: 'alice@a.test', password: `wrong-${i}` })).status, 401);
    assert.equal((await s.post('/login', { username: 'alice@a.test', password: PASSWORD })).status, 429);
    assert.equal((await session(app).post('/password/forgot', { login: 'alice@a.test' })).status, 200);
    const link = await linkIn((await sink.waitFor(1))[0].raw);
    assert.equal((await session(app).post(link, { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD })).status, 303);
    await login(app, 'alice@a.test', NEW_PASSWORD);
  });

  it('refuses an expired link', async () => {
    const w = await seedWorld(t().db);
    await updateMailbox(t().db, w.mailboxA, { recoveryEmail: 'alice.home@example.org' });
    let token = '';
    const long = Date.now() - RESET_LINK_MS - 1000;
    await requestPasswordReset(t().db, 'alice@a.test', '192.0.2.5', async (m) => void (token = m.token), long);
    assert.ok(token);
    const app = appWithRelay(t(), sink);
    const page = await session(app).get(`/password/reset/${token}`);
    assert.equal(page.status, 410);
    assert.match(textOf(page.text), /it expired/);
    assert.equal((await session(app).post(`/password/reset/${token}`, { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD })).status, 410);
    await login(app, 'alice@a.test');
  });

  it('throttles requests per login and per IP', async () => {
    const w = await seedWorld(t().db);
    await updateMailbox(t().db, w.mailboxA, { recoveryEmail: 'alice.home@example.org' });
    const app = appWithRelay(t(), sink);
    for (let i = 0; i < RESET_LIMITS.perLogin; i++) assert.equal((await session(app).post('/password/forgot', { login: 'alice@a.test' })).status, 200);
    const blocked = await session(app).post('/password/forgot', { login: 'alice@a.test' });
    assert.equal(blocked.status, 429);
    assert.match(textOf(blocked.text), /Too many requests/);
    assert.equal((await sink.waitFor(RESET_LIMITS.perLogin)).length, RESET_LIMITS.perLogin);
    // the same login from elsewhere is throttled too (a mailbox is not flooded with links)
    const noop = async () => undefined;
    assert.equal(await requestPasswordReset(t().db, 'alice@a.test', '198.51.100.7', noop), 'throttled');
    // one IP asking for many logins
    for (let i = 0; i < RESET_LIMITS.perIp; i++) assert.equal(await requestPasswordReset(t().db, `user${i}@a.test`, '198.51.100.8', noop), 'accepted');
    assert.equal(await requestPasswordReset(t().db, 'other@a.test', '198.51.100.8', noop), 'throttled');
    assert.equal(await requestPasswordReset(t().db, 'other@a.test', '198.51.100.9', noop), 'accepted');
  });
});
