// lib/helpdesk on both engines: opening, answering, closing and reopening a ticket, who
// reaches which ticket (out of scope = not found), and the notice each step sends to the
// other side, in the reader's language, through a loopback SMTP sink (the relay path every
// notice of ours takes).
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { describeEachEngine } from '../../helpers/db';
import { startSink, type Sink } from '../../helpers/smtp';
import { MailhostError, loadSettings, type Db } from '../../../lib/core';
import { createAccount, principalOfAccount, principalOfMailbox, type Principal } from '../../../lib/accounts';
import { createDomain, createMailbox } from '../../../lib/directory';
import { smtpSender } from '../../../lib/quarantine';
import {
  openTicket,
  commentTicket,
  closeTicket,
  reopenTicket,
  getTicket,
  ticketThread,
  listTickets,
  OPEN_PER_HOUR,
  notifyOtherSide,
  recipientsOf,
  type HelpdeskMailer,
} from '../../../lib/helpdesk';

const PW = 'Secret-pass-42';

async function world(db: Db) {
  const admin = await createAccount(db, { username: 'admin', role: 'admin', password: PW, name: 'Ada Admin', language: 'en', email: 'ops@isp.test' });
  const ca = await createAccount(db, { username: 'clienta', role: 'client', password: PW, name: 'Client A', language: 'fr', email: 'boss@a-corp.test' });
  const cb = await createAccount(db, { username: 'clientb', role: 'client', password: PW, name: 'Client B', language: 'en', email: 'boss@b-corp.test' });
  await createDomain(db, { name: 'a.test', clientId: ca.account.id });
  await createDomain(db, { name: 'b.test', clientId: cb.account.id });
  await createDomain(db, { name: 'solo.test' });
  const alice = await createMailbox(db, { address: 'alice@a.test', password: PW, language: 'en', name: 'Alice' });
  const bob = await createMailbox(db, { address: 'bob@b.test', password: PW, language: 'en' });
  const sam = await createMailbox(db, { address: 'sam@solo.test', password: PW, language: 'fr' });
  const mb = async (id: number) => principalOfMailbox(await db('mailboxes').where({ id }).first());
  return {
    admin: principalOfAccount(admin.account),
    clientA: principalOfAccount(ca.account),
    clientB: principalOfAccount(cb.account),
    alice: await mb(alice.mailbox.id),
    bob: await mb(bob.mailbox.id),
    sam: await mb(sam.mailbox.id),
  };
}

async function refusal(p: Promise<unknown>): Promise<MailhostError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof MailhostError, 'refused with a MailhostError');
  return err;
}

const opening = { subject: 'No mail since this morning', category: 'reception', text: 'Hello,\nI receive nothing.' };

describeEachEngine('lib/helpdesk tickets', ({ t }) => {
  it('a user opens, the client answers, the user closes and reopens: the thread and the status follow', async () => {
    const w = await world(t().db);
    const db = t().db;
    const opened = await openTicket(db, w.alice, opening, 1000);
    assert.equal(opened.ticket.status, 'open');
    assert.equal(opened.ticket.opener, 'alice@a.test');
    assert.equal(opened.comment.side, 'opener');
    const id = opened.ticket.id;
    const answered = await commentTicket(db, w.clientA, id, 'Looking into it.', 2000);
    assert.equal(answered.comment.side, 'support');
    assert.equal(answered.ticket.lastSide, 'support');
    await commentTicket(db, w.alice, id, '  Thanks!  ', 3000);
    const closed = await closeTicket(db, w.alice, id, 4000);
    assert.equal(closed.ticket.status, 'closed');
    assert.equal(closed.ticket.closedMs, 4000);
    assert.equal((await refusal(commentTicket(db, w.clientA, id, 'late', 4500))).field, 'text');
    assert.equal((await refusal(closeTicket(db, w.admin, id, 4600))).field, 'status');
    await reopenTicket(db, w.admin, id, 5000);
    const { ticket, comments } = await ticketThread(db, w.alice, id);
    assert.equal(ticket.status, 'open');
    assert.equal(ticket.closedMs, null);
    assert.equal(ticket.updatedMs, 5000);
    assert.deepEqual(
      comments.map((c) => [c.kind, c.side, c.authorRole, c.author, c.body]),
      [
        ['open', 'opener', 'user', 'Alice', 'Hello,\nI receive nothing.'],
        ['comment', 'support', 'client', 'Client A', 'Looking into it.'],
        ['comment', 'opener', 'user', 'Alice', 'Thanks!'],
        ['close', 'opener', 'user', 'Alice', ''],
        ['reopen', 'support', 'admin', 'Ada Admin', ''],
      ],
    );
  });

  it('refuses what is missing or wrong, and admins do not open tickets', async () => {
    const w = await world(t().db);
    assert.equal((await refusal(openTicket(t().db, w.alice, { ...opening, subject: '  ' }))).field, 'subject');
    assert.equal((await refusal(openTicket(t().db, w.alice, { ...opening, category: 'gossip' }))).field, 'category');
    assert.equal((await refusal(openTicket(t().db, w.alice, { ...opening, text: '' }))).field, 'text');
    assert.equal((await refusal(openTicket(t().db, w.alice, { ...opening, text: 'x'.repeat(20_001) }))).field, 'text');
    await refusal(openTicket(t().db, w.admin, opening));
    assert.equal(await t().db('tickets').count({ n: '*' }).then(([r]) => Number(r.n)), 0);
  });

  it('one opener opens at most OPEN_PER_HOUR tickets an hour', async () => {
    const w = await world(t().db);
    for (let i = 0; i < OPEN_PER_HOUR; i++) await openTicket(t().db, w.alice, opening, 1_000_000 + i);
    assert.equal((await refusal(openTicket(t().db, w.alice, opening, 1_000_000 + OPEN_PER_HOUR))).field, 'subject');
    await openTicket(t().db, w.bob, opening, 1_000_000 + OPEN_PER_HOUR); // someone else may
    await openTicket(t().db, w.alice, opening, 1_000_000 + 3_600_000); // an hour later, again
  });

  it('each sees their own: user, the client of their domain (and its own tickets), the admin everything; others get not found', async () => {
    const w = await world(t().db);
    const db = t().db;
    const a = (await openTicket(db, w.alice, opening, 1)).ticket.id;
    const b = (await openTicket(db, w.bob, { ...opening, subject: 'Bob here' }, 2)).ticket.id;
    const s = (await openTicket(db, w.sam, { ...opening, subject: 'Sam here', category: 'spam' }, 3)).ticket.id;
    const c = (await openTicket(db, w.clientA, { ...opening, subject: 'Client A to the ISP', category: 'other' }, 4)).ticket.id;
    const ids = async (p: Principal, status?: 'open' | 'closed') => (await listTickets(db, p, { status })).map((x) => x.id);
    assert.deepEqual(await ids(w.alice), [a]);
    assert.deepEqual(await ids(w.clientA), [c, a]);
    assert.deepEqual(await ids(w.clientB), [b]);
    assert.deepEqual(await ids(w.admin), [c, s, b, a]);
    await closeTicket(db, w.admin, s, 10);
    assert.deepEqual(await ids(w.admin, 'closed'), [s]);
    assert.deepEqual(await ids(w.admin, 'open'), [c, b, a]);
    for (const [p, id] of [
      [w.bob, a],
      [w.alice, b],
      [w.clientB, a],
      [w.clientB, c],
      [w.clientA, s],
      [w.alice, c],
    ] as [Principal, number][]) {
      assert.equal((await refusal(getTicket(db, p, id))).code, 'not_found', `${p.username} #${id}`);
      assert.equal((await refusal(commentTicket(db, p, id, 'intrusion'))).code, 'not_found');
      assert.equal((await refusal(closeTicket(db, p, id))).code, 'not_found');
    }
    assert.equal((await ticketThread(db, w.admin, a)).comments.length, 1, 'nothing was added by the refused steps');
  });

  it('the other side: the domain client, else the admins (else the postmaster); the opener in their mailbox or at their email', async () => {
    const w = await world(t().db);
    const db = t().db;
    const a = (await openTicket(db, w.alice, opening)).ticket;
    const s = (await openTicket(db, w.sam, opening)).ticket;
    const c = (await openTicket(db, w.clientA, opening)).ticket;
    const emails = async (tk: typeof a, side: 'opener' | 'support', postmaster?: string) => (await recipientsOf(db, tk, side, { postmaster })).map((r) => `${r.email}/${r.language}`);
    assert.deepEqual(await emails(a, 'support'), ['boss@a-corp.test/fr']);
    assert.deepEqual(await emails(a, 'opener'), ['alice@a.test/en']);
    assert.deepEqual(await emails(s, 'support'), ['ops@isp.test/en']);
    assert.deepEqual(await emails(c, 'support'), ['ops@isp.test/en']);
    assert.deepEqual(await emails(c, 'opener'), ['boss@a-corp.test/fr']);
    await db('accounts').where({ role: 'admin' }).update({ email: '' });
    assert.deepEqual(await emails(s, 'support'), []);
    assert.deepEqual(await emails(s, 'support', 'postmaster@isp.test'), ['postmaster@isp.test/null']);
  });
});

describeEachEngine('lib/helpdesk notices', ({ t }) => {
  let sink: Sink;
  beforeEach(async () => {
    sink = await startSink();
  });
  afterEach(async () => {
    await sink.close();
  });

  it('each step mails the other side in its language through the relay', async () => {
    const w = await world(t().db);
    const db = t().db;
    const settings = loadSettings({ MAILHOST_DATA: t().dir, MAILHOST_DB: t().url, MAILHOST_RELAY: `127.0.0.1:${sink.port}` });
    const mailer: HelpdeskMailer = { send: smtpSender(settings), baseUrl: 'https://mail.isp.test' };
    const opened = await openTicket(db, w.alice, opening);
    assert.deepEqual(await notifyOtherSide(db, opened, mailer), { sent: ['boss@a-corp.test'], failed: [] });
    const answer = await commentTicket(db, w.clientA, opened.ticket.id, 'Votre boîte était pleine.');
    assert.deepEqual((await notifyOtherSide(db, answer, mailer)).sent, ['alice@a.test']);
    const mails = await sink.waitFor(2);
    assert.equal(mails.length, 2);
    const [toClient, toUser] = await Promise.all(mails.map((m) => simpleParser(m.raw)));
    assert.deepEqual(mails[0].to, ['boss@a-corp.test']);
    assert.equal(mails[0].from, '', 'null envelope sender');
    assert.equal(toClient.subject, `[Ticket n° ${opened.ticket.id}] Nouvelle demande : No mail since this morning`);
    assert.match(toClient.text ?? '', /Alice a ouvert une demande d’assistance/);
    assert.match(toClient.text ?? '', /Catégorie : Réception des messages/);
    assert.match(toClient.text ?? '', /> I receive nothing\./);
    assert.match(toClient.text ?? '', new RegExp(`https://mail\\.isp\\.test/tickets/${opened.ticket.id}`));
    assert.equal(toClient.from?.value[0].address, 'postmaster@a.test');
    assert.deepEqual(mails[1].to, ['alice@a.test']);
    assert.equal(toUser.subject, `[Ticket #${opened.ticket.id}] New answer: No mail since this morning`);
    assert.match(toUser.text ?? '', /Client A answered the ticket/);
    assert.match(toUser.text ?? '', /> Votre boîte était pleine\./);
  });

  it('a notice that cannot leave is reported, the step stays', async () => {
    const w = await world(t().db);
    const mailer: HelpdeskMailer = {
      send: async () => {
        throw new Error('relay down');
      },
      baseUrl: 'https://mail.isp.test',
    };
    const opened = await openTicket(t().db, w.sam, opening);
    assert.deepEqual(await notifyOtherSide(t().db, opened, mailer), { sent: [], failed: ['ops@isp.test: relay down'] });
    assert.equal((await getTicket(t().db, w.sam, opened.ticket.id)).status, 'open');
  });
});
