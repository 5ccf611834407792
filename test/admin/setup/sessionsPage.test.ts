// The sessions page: each login sees and ends its own sessions, an admin everyone's; an ended
// session's cookie gets the login page; the single-session option ends the others at login.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { makeApp, seedWorld, login, textOf, type Session } from '../helpers';
import { setSingleSession, listSessions } from '../../../lib/accounts';

interface Row {
  handle: string;
  text: string;
  current: boolean;
}

async function sessionsOf(s: Session): Promise<Row[]> {
  const page = await s.get('/sessions');
  assert.equal(page.status, 200);
  return [...page.text.matchAll(/<tr data-session="([0-9a-f]+)">([^]*?)<\/tr>/g)].map((m) => ({ handle: m[1], text: textOf(m[2]), current: /This session/.test(m[2]) }));
}

/** The login page, as a session that was ended sees it. */
async function assertEnded(s: Session, path: string): Promise<void> {
  const r = await s.get(path);
  assert.equal(r.status, 303, `${path} after the session ended`);
  assert.equal(r.headers.location, '/login');
}

describeEachEngine('admin sessions page', ({ t }) => {
  it('lists the sessions of a mailbox owner with IP, browser and times; ending one makes its cookie worthless', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const laptop = await login(app, 'alice@a.test');
    const phone = await login(app, 'alice@a.test');
    const bob = await login(app, 'bob@b.test');
    const rows = await sessionsOf(laptop);
    assert.equal(rows.length, 2, 'only her own two');
    assert.equal(rows.filter((r) => r.current).length, 1);
    for (const r of rows) assert.match(r.text, /127\.0\.0\.1/);
    const other = rows.find((r) => !r.current)!;
    // she cannot end bob's session, even knowing its handle
    const [bobRow] = await sessionsOf(bob);
    const refused = await laptop.post(`/sessions/${bobRow.handle}/end`);
    assert.equal(refused.status, 303);
    assert.match(textOf((await laptop.get('/sessions')).text), /already over/);
    assert.equal((await bob.get(`/mailboxes/${w.mailboxB}`)).status, 200);

    assert.equal((await laptop.post(`/sessions/${other.handle}/end`)).status, 303);
    assert.match(textOf((await laptop.get('/sessions')).text), /The session was ended/);
    await assertEnded(phone, `/mailboxes/${w.mailboxA}`);
    assert.equal((await laptop.get(`/mailboxes/${w.mailboxA}`)).status, 200);
    assert.equal((await sessionsOf(laptop)).length, 1);
  });

  it('shows an admin every session and lets it end any; a client sees only its own', async () => {
    await seedWorld(t().db);
    const app = makeApp(t());
    const admin = await login(app, 'admin');
    const client = await login(app, 'clienta');
    const bob = await login(app, 'bob@b.test');
    const all = await sessionsOf(admin);
    assert.equal(all.length, 3);
    assert.equal((await sessionsOf(client)).length, 1, 'a client: its own session only');
    const bobRow = all.find((r) => /bob@b\.test/.test(r.text))!;
    assert.equal((await admin.post(`/sessions/${bobRow.handle}/end`)).status, 303);
    await assertEnded(bob, '/language');
    assert.equal((await client.get('/domains')).status, 200);
    assert.equal((await sessionsOf(admin)).length, 2);
  });

  it('with the single-session option, a new login ends the other sessions of that login only', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const first = await login(app, 'alice@a.test');
    const client = await login(app, 'clienta');
    await setSingleSession(t().db, 'mailbox', w.mailboxA, true);
    const second = await login(app, 'alice@a.test');
    await assertEnded(first, `/mailboxes/${w.mailboxA}`);
    assert.equal((await second.get(`/mailboxes/${w.mailboxA}`)).status, 200);
    assert.equal((await client.get('/domains')).status, 200);
    assert.equal((await listSessions(t().db, { principal: `user:${w.mailboxA}` })).length, 1);
    // off again: sessions add up
    await setSingleSession(t().db, 'mailbox', w.mailboxA, false);
    await login(app, 'alice@a.test');
    assert.equal((await second.get(`/mailboxes/${w.mailboxA}`)).status, 200);
  });

  it('saves the single-session option and the recovery address from the mailbox form', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const admin = await login(app, 'admin');
    const form = await admin.get(`/mailboxes/${w.mailboxA}`);
    assert.match(form.text, /name="recovery_email"/);
    assert.match(form.text, /name="single_session"/);
    const saved = await admin.post(`/mailboxes/${w.mailboxA}`, { name: 'Alice', recovery_email: 'alice.home@example.org', single_session: '1', language: 'en' });
    assert.equal(saved.status, 303, textOf(saved.text).slice(0, 300));
    const row = await t().db('mailboxes').where({ id: w.mailboxA }).first('recovery_email', 'single_session');
    assert.equal(row.recovery_email, 'alice.home@example.org');
    assert.equal(!!row.single_session, true);
  });
});
