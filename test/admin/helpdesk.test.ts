// The help desk through HTTP, on both engines: a mailbox owner opens a ticket, the domain's
// client answers, the owner answers back, closes and reopens it; each step's notice reaches the
// other side through a loopback SMTP sink (the relay every notice of ours takes). Someone else's
// ticket is a 404 on every page and every POST; the list is the engine's (paged, filtered, sorted).
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { simpleParser } from 'mailparser';
import { describeEachEngine, type TestDb } from '../helpers/db';
import { startSink, type Sink, type SinkMessage } from '../helpers/smtp';
import { seedWorld, login, textOf, rowIds, type Session } from './helpers';
import { createApp } from '../../admin/app';
import { loadSettings } from '../../lib/core';
import { updateAccount, principalOfMailbox } from '../../lib/accounts';
import { openTicket, OPEN_PER_HOUR } from '../../lib/helpdesk';
import { PAGE_SIZE } from '../../admin/engine/list/paging';

function appWithRelay(t: TestDb, sink: Sink): Express {
  const settings = loadSettings({ MAILHOST_DATA: t.dir, MAILHOST_DB: t.url, MAILHOST_RELAY: `127.0.0.1:${sink.port}` });
  return createApp({ db: t.db, settings, sessionSecret: 'test-secret', sessionCleanupMs: 0 });
}

async function parsed(m: SinkMessage) {
  const p = await simpleParser(m.raw);
  return { to: m.to, subject: p.subject ?? '', text: p.text ?? '' };
}

/** Opens a ticket through the add form; returns its id (the form leads to the ticket's page). */
async function open(s: Session, subject: string, text = 'Nothing arrives since 9:00.', category = 'reception'): Promise<number> {
  const r = await s.post('/tickets/new', { subject, category, text });
  assert.equal(r.status, 303, r.text);
  const m = /^\/tickets\/(\d+)$/.exec(r.headers.location);
  assert.ok(m, `went to ${r.headers.location}`);
  return Number(m[1]);
}

describeEachEngine('admin help desk', ({ t }) => {
  let sink: Sink;
  beforeEach(async () => {
    sink = await startSink();
  });
  afterEach(async () => {
    await sink.close();
  });

  it('round trip: user opens, client answers, user answers, closes and reopens; each step mails the other side', async () => {
    const w = await seedWorld(t().db);
    await updateAccount(t().db, w.clientA, { email: 'boss@a-corp.test' });
    const app = appWithRelay(t(), sink);
    const alice = await login(app, 'alice@a.test');
    const client = await login(app, 'clienta');

    const form = await alice.get('/tickets/new');
    assert.equal(form.status, 200);
    assert.match(form.text, /name="subject"/);
    assert.match(form.text, /<option value="spam"/);
    const id = await open(alice, 'No mail since this morning');
    const page = await alice.get(`/tickets/${id}`);
    assert.equal(page.status, 200);
    assert.match(textOf(page.text), /Nothing arrives since 9:00\./);
    assert.match(page.text, /id="ticket-status" data-status="open"/);
    let mails = await sink.waitFor(1);
    let m = await parsed(mails[0]);
    assert.deepEqual(m.to, ['boss@a-corp.test']);
    assert.equal(m.subject, `[Ticket #${id}] New ticket: No mail since this morning`);
    assert.match(m.text, new RegExp(`/tickets/${id}`));

    // the client sees it in its list, with who opened it, and answers
    const list = await client.get('/tickets');
    assert.deepEqual(rowIds(list.text), [id]);
    assert.match(textOf(list.text), /alice@a\.test/);
    const answered = await client.post(`/tickets/${id}`, { text: 'Your mailbox was full.\nI raised its quota.' });
    assert.equal(answered.status, 303);
    assert.equal(answered.headers.location, `/tickets/${id}`);
    mails = await sink.waitFor(2);
    m = await parsed(mails[1]);
    assert.deepEqual(m.to, ['alice@a.test']);
    assert.equal(m.subject, `[Ticket #${id}] New answer: No mail since this morning`);
    assert.match(m.text, /Client A answered the ticket/);
    assert.match(m.text, /> I raised its quota\./);

    // the user sees the answer, answers back, closes, reopens
    assert.match(textOf((await alice.get(`/tickets/${id}`)).text), /Your mailbox was full\. I raised its quota\./);
    assert.equal((await alice.post(`/tickets/${id}`, { text: 'It works again, thank you.' })).status, 303);
    assert.equal((await alice.post(`/tickets/${id}/close`)).status, 303);
    const closed = await alice.get(`/tickets/${id}`);
    assert.match(closed.text, /data-status="closed"/);
    assert.match(closed.text, /id="reopen-button"/);
    assert.doesNotMatch(closed.text, /id="comment-text"/);
    // an answer to a closed ticket is refused, and says why
    const late = await client.post(`/tickets/${id}`, { text: 'One more thing' });
    assert.equal(late.status, 422);
    assert.match(textOf(late.text), /This ticket is closed: reopen it to answer\./);
    assert.equal((await alice.post(`/tickets/${id}/reopen`)).status, 303);
    assert.match((await client.get(`/tickets/${id}`)).text, /data-status="open"/);

    mails = await sink.waitFor(5);
    const rest = await Promise.all(mails.slice(2).map(parsed));
    assert.deepEqual(
      rest.map((x) => [x.to.join(), x.subject.replace(/: .*/, '')]),
      [
        ['boss@a-corp.test', `[Ticket #${id}] New answer`],
        ['boss@a-corp.test', `[Ticket #${id}] Closed`],
        ['boss@a-corp.test', `[Ticket #${id}] Reopened`],
      ],
    );
    assert.equal((await sink.waitFor(6, 300)).length, 5, 'the refused answer sent nothing');
    const rows = await t().db('ticket_comments').where({ ticket_id: id }).orderBy('id').select('kind', 'side');
    assert.deepEqual(
      rows.map((r: { kind: string; side: string }) => `${r.kind}/${r.side}`),
      ['open/opener', 'comment/support', 'comment/opener', 'close/opener', 'reopen/opener'],
    );
  });

  it("someone else's ticket is a 404 on every page and POST, and nothing is written", async () => {
    const w = await seedWorld(t().db);
    const app = appWithRelay(t(), sink);
    const alice = await login(app, 'alice@a.test');
    const id = await open(alice, 'Private matter');
    for (const who of ['bob@b.test', 'clientb']) {
      const s = await login(app, who);
      assert.equal((await s.get(`/tickets/${id}`)).status, 404, who);
      assert.equal((await s.post(`/tickets/${id}`, { text: 'intrusion' })).status, 404, who);
      assert.equal((await s.post(`/tickets/${id}/close`)).status, 404, who);
      assert.equal((await s.post(`/tickets/${id}/reopen`)).status, 404, who);
      assert.deepEqual(rowIds((await s.get('/tickets')).text), [], who);
    }
    assert.equal((await alice.get('/tickets/99999')).status, 404);
    assert.equal((await alice.get(`/tickets/${id}/delete`)).status, 404, 'nobody deletes a ticket');
    const admin = await login(app, 'admin');
    assert.equal((await admin.get('/tickets/new')).status, 404, 'admins answer, they do not open tickets');
    assert.equal((await admin.get(`/tickets/${id}`)).status, 200);
    const kinds = await t().db('ticket_comments').where({ ticket_id: id }).pluck('kind');
    assert.deepEqual(kinds, ['open']);
    assert.equal((await t().db('tickets').where({ id }).first()).status, 'open');
    assert.ok(w.mailboxB);
  });

  it('a client opens a ticket to the ISP: the admins are told; every role has the menu entry', async () => {
    const w = await seedWorld(t().db);
    await updateAccount(t().db, w.adminId, { email: 'ops@isp.test' });
    await updateAccount(t().db, w.clientA, { email: 'boss@a-corp.test' });
    const app = appWithRelay(t(), sink);
    const client = await login(app, 'clienta');
    const id = await open(client, 'More domains please', 'We need two more domains.', 'other');
    let m = await parsed((await sink.waitFor(1))[0]);
    assert.deepEqual(m.to, ['ops@isp.test']);
    assert.match(m.subject, /New ticket: More domains please/);
    const admin = await login(app, 'admin');
    assert.equal((await admin.post(`/tickets/${id}`, { text: 'Done: your limit is now 5.' })).status, 303);
    m = await parsed((await sink.waitFor(2))[1]);
    assert.deepEqual(m.to, ['boss@a-corp.test']);
    assert.match(m.text, /Ada Admin answered/);
    for (const [s, label] of [
      [await login(app, 'alice@a.test'), 'Help desk'],
      [client, 'Help desk'],
      [admin, 'Help desk'],
    ] as [Session, string][]) {
      const home = await s.get('/tickets');
      assert.match(home.text, new RegExp(`<a class="nav-link active" href="/tickets"><i class="bi bi-life-preserver me-2" aria-hidden="true"></i>${label}</a>`));
    }
  });

  it('refuses an eleventh ticket within the hour, in the reader\'s language, next to the subject', async () => {
    const w = await seedWorld(t().db);
    await t().db('mailboxes').where({ id: w.mailboxA }).update({ language: 'fr' });
    const app = appWithRelay(t(), sink);
    const alice = await login(app, 'alice@a.test');
    for (let i = 0; i < OPEN_PER_HOUR; i++) await open(alice, `Question ${i}`);
    const r = await alice.post('/tickets/new', { subject: 'One more', category: 'other', text: 'Again' });
    assert.equal(r.status, 422);
    assert.match(textOf(r.text), /Vous avez ouvert 10 tickets dans la dernière heure/);
    assert.match(r.text, /value="One more"/, 'what was typed stays');
    assert.equal(await t().db('tickets').count({ n: '*' }).then(([x]) => Number(x.n)), OPEN_PER_HOUR);
  });

  it('the list is paged, filtered by status and sorted; latest activity first', async () => {
    await seedWorld(t().db);
    const app = appWithRelay(t(), sink);
    const alice = await login(app, 'alice@a.test');
    const ids: number[] = [];
    // an hour apart (one may open only so many an hour), and the order does not depend on how fast the requests were
    const me = principalOfMailbox(await t().db('mailboxes').where({ address: 'alice@a.test' }).first());
    for (let i = 0; i < PAGE_SIZE + 2; i++) ids.push((await openTicket(t().db, me, { subject: `Question ${i}`, category: 'other', text: 'Why?' }, 1e12 + i * 3_600_000)).ticket.id);
    await alice.post(`/tickets/${ids[0]}/close`); // the oldest, now the latest activity
    const first = await alice.get('/tickets');
    assert.equal(rowIds(first.text).length, PAGE_SIZE);
    assert.equal(rowIds(first.text)[0], ids[0]);
    assert.match(first.text, /href="\/tickets\?page=2"/);
    assert.equal(rowIds((await alice.get('/tickets?page=2')).text).length, 2);
    assert.deepEqual(rowIds((await alice.get('/tickets?q_status=closed')).text), [ids[0]]);
    assert.equal(rowIds((await alice.get('/tickets?q_status=open')).text).length, PAGE_SIZE);
    assert.deepEqual(rowIds((await alice.get('/tickets?q_subject=question%2016')).text), [ids[16]]);
    const byStatus = rowIds((await alice.get('/tickets?sort=status&page=2')).text);
    assert.equal(byStatus[byStatus.length - 1], ids[0], 'closed ones last when sorted by status');
    const byCreated = rowIds((await alice.get('/tickets?sort=created_ms')).text);
    assert.equal(byCreated[0], ids[ids.length - 1], 'newest first');
  });
});
