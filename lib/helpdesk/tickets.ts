// Tickets and their thread, and who may reach them. Every function takes the acting principal
// and reads the ticket through ticketScope: a ticket outside it does not exist for them
// (not_found), whatever the caller shows or hides.
//   user   -> the tickets their mailbox opened
//   client -> the tickets of the mailboxes of their domains, and their own (to the ISP)
//   admin  -> every ticket
// The opener's side is whoever opened it; everyone else who may reach it is the support side.
import type { Knex } from 'knex';
import { type Db, invalid, notFound } from '../core';
import type { Principal } from '../accounts';

export const TICKET_CATEGORIES = ['reception', 'sending', 'spam', 'account', 'other'] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];
export const TICKET_STATUSES = ['open', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketSide = 'opener' | 'support';
export type CommentKind = 'open' | 'comment' | 'close' | 'reopen';

export const SUBJECT_MAX = 200;
export const BODY_MAX = 20_000;
/** tickets one opener may open in an hour: each one mails the support, so a flood is refused */
export const OPEN_PER_HOUR = 10;

export interface Ticket {
  id: number;
  mailboxId: number | null;
  accountId: number | null;
  opener: string;
  subject: string;
  category: TicketCategory;
  status: TicketStatus;
  lastSide: TicketSide;
  createdMs: number;
  updatedMs: number;
  closedMs: number | null;
}

export interface TicketComment {
  id: number;
  kind: CommentKind;
  side: TicketSide;
  authorRole: Principal['role'];
  author: string;
  body: string;
  createdMs: number;
}

/** What happened to a ticket: what the notice to the other side tells. */
export interface TicketEvent {
  ticket: Ticket;
  comment: TicketComment;
}

const NOTHING = '1 = 0';

/** THE rule of who reaches which tickets (see the top of this file), as a query on `tickets`. */
export function ticketScope(db: Db, p: Principal): Knex.QueryBuilder {
  const q = db('tickets');
  if (p.role === 'admin') return q;
  if (p.role === 'client') {
    const ownMailboxes = db('mailboxes').select('id').whereIn('domain_id', db('domains').select('id').where('client_id', p.id));
    return q.where((w) => w.whereIn('tickets.mailbox_id', ownMailboxes).orWhere('tickets.account_id', p.id));
  }
  if (p.role === 'user') return q.where('tickets.mailbox_id', p.id);
  return q.whereRaw(NOTHING);
}

/** Who may open a ticket: a mailbox owner, or a client (to the ISP). */
export function mayOpenTicket(p: Principal): boolean {
  return p.role === 'user' || p.role === 'client';
}

export function ticketOf(row: Record<string, unknown>): Ticket {
  return {
    id: Number(row.id),
    mailboxId: row.mailbox_id == null ? null : Number(row.mailbox_id),
    accountId: row.account_id == null ? null : Number(row.account_id),
    opener: String(row.opener),
    subject: String(row.subject),
    category: String(row.category) as TicketCategory,
    status: row.status === 'closed' ? 'closed' : 'open',
    lastSide: row.last_side === 'support' ? 'support' : 'opener',
    createdMs: Number(row.created_ms),
    updatedMs: Number(row.updated_ms),
    closedMs: row.closed_ms == null ? null : Number(row.closed_ms),
  };
}

function commentOf(row: Record<string, unknown>): TicketComment {
  return {
    id: Number(row.id),
    kind: String(row.kind) as CommentKind,
    side: row.side === 'support' ? 'support' : 'opener',
    authorRole: String(row.author_role) as Principal['role'],
    author: String(row.author),
    body: row.body == null ? '' : String(row.body),
    createdMs: Number(row.created_ms),
  };
}

/** The ticket `id` as `p` may see it; not_found outside their scope. */
export async function getTicket(db: Db, p: Principal, id: number): Promise<Ticket> {
  const row = Number.isSafeInteger(id) ? await ticketScope(db, p).where('tickets.id', id).first('tickets.*') : undefined;
  if (!row) throw notFound(`no ticket #${id}`);
  return ticketOf(row);
}

/** The thread of a ticket `p` may see, oldest first. */
export async function ticketThread(db: Db, p: Principal, id: number): Promise<{ ticket: Ticket; comments: TicketComment[] }> {
  const ticket = await getTicket(db, p, id);
  const rows = await db('ticket_comments').where({ ticket_id: ticket.id }).orderBy('id');
  return { ticket, comments: rows.map(commentOf) };
}

/** The side `p` is on for `ticket` (already known to be in their scope). */
export function sideOf(ticket: Ticket, p: Principal): TicketSide {
  const opener = (p.role === 'user' && ticket.mailboxId === p.id) || (p.role === 'client' && ticket.accountId === p.id);
  return opener ? 'opener' : 'support';
}

function cleanText(field: string, value: unknown, max: number, what: string): string {
  const s = String(value ?? '')
    .replace(/\r\n?/g, '\n')
    .trim();
  if (!s) throw invalid(field, `the ${what} is required`);
  if (s.length > max) throw invalid(field, `the ${what} is longer than ${max} characters`);
  return s;
}

export interface NewTicket {
  subject: string;
  category: string;
  text: string;
}

async function addComment(trx: Db, ticket: Ticket, p: Principal, kind: CommentKind, body: string | null, now: number): Promise<TicketComment> {
  const row = { ticket_id: ticket.id, kind, side: sideOf(ticket, p), author_role: p.role, author: (p.name || p.username).slice(0, 320), body, created_ms: now };
  const [id] = await trx('ticket_comments').insert(row);
  return commentOf({ ...row, id });
}

/** A mailbox owner or a client opens a ticket; its text is the thread's first message. */
export async function openTicket(db: Db, p: Principal, input: NewTicket, now = Date.now()): Promise<TicketEvent> {
  if (!mayOpenTicket(p)) throw invalid('subject', 'only a mailbox owner or a client opens tickets');
  const subject = cleanText('subject', input.subject, SUBJECT_MAX, 'subject').replace(/\s+/g, ' ');
  const category = String(input.category ?? '');
  if (!(TICKET_CATEGORIES as readonly string[]).includes(category)) throw invalid('category', 'choose a category');
  const text = cleanText('text', input.text, BODY_MAX, 'text');
  const mine = p.role === 'user' ? { mailbox_id: p.id } : { account_id: p.id };
  const [{ n }] = await db('tickets').where(mine).where('created_ms', '>', now - 3_600_000).count({ n: '*' });
  if (Number(n) >= OPEN_PER_HOUR) throw invalid('subject', `too many tickets opened in the last hour (${OPEN_PER_HOUR}): please wait`);
  return db.transaction(async (trx) => {
    const row = {
      mailbox_id: p.role === 'user' ? p.id : null,
      account_id: p.role === 'client' ? p.id : null,
      opener: p.username.slice(0, 320),
      subject,
      category,
      status: 'open',
      last_side: 'opener',
      created_ms: now,
      updated_ms: now,
      closed_ms: null,
    };
    const [id] = await trx('tickets').insert(row);
    const ticket = ticketOf({ ...row, id });
    return { ticket, comment: await addComment(trx, ticket, p, 'open', text, now) };
  });
}

/** Records one step of the thread and the ticket's new state, in one transaction. */
async function step(db: Db, p: Principal, id: number, kind: Exclude<CommentKind, 'open'>, body: string | null, now: number): Promise<TicketEvent> {
  return db.transaction(async (trx) => {
    const ticket = await getTicket(trx, p, id);
    if (kind === 'comment' && ticket.status === 'closed') throw invalid('text', 'this ticket is closed: reopen it to answer');
    if (kind === 'close' && ticket.status === 'closed') throw invalid('status', 'this ticket is already closed');
    if (kind === 'reopen' && ticket.status === 'open') throw invalid('status', 'this ticket is already open');
    const side = sideOf(ticket, p);
    const change: Record<string, unknown> = { updated_ms: now, last_side: side };
    if (kind === 'close') Object.assign(change, { status: 'closed', closed_ms: now });
    if (kind === 'reopen') Object.assign(change, { status: 'open', closed_ms: null });
    // the status in the WHERE: of two requests at the same moment, one changes it
    const from = kind === 'reopen' ? 'closed' : 'open';
    const n = await trx('tickets').where({ id: ticket.id, status: from }).update(change);
    if (Number(n) !== 1) throw invalid('status', 'this ticket changed meanwhile: reload the page');
    const comment = await addComment(trx, ticket, p, kind, body, now);
    return { ticket: ticketOf({ ...rowOf(ticket), ...change }), comment };
  });
}

function rowOf(t: Ticket): Record<string, unknown> {
  return {
    id: t.id,
    mailbox_id: t.mailboxId,
    account_id: t.accountId,
    opener: t.opener,
    subject: t.subject,
    category: t.category,
    status: t.status,
    last_side: t.lastSide,
    created_ms: t.createdMs,
    updated_ms: t.updatedMs,
    closed_ms: t.closedMs,
  };
}

/** An answer on an open ticket, by either side. */
export async function commentTicket(db: Db, p: Principal, id: number, text: string, now = Date.now()): Promise<TicketEvent> {
  return step(db, p, id, 'comment', cleanText('text', text, BODY_MAX, 'text'), now);
}

export async function closeTicket(db: Db, p: Principal, id: number, now = Date.now()): Promise<TicketEvent> {
  return step(db, p, id, 'close', null, now);
}

export async function reopenTicket(db: Db, p: Principal, id: number, now = Date.now()): Promise<TicketEvent> {
  return step(db, p, id, 'reopen', null, now);
}

export interface TicketFilter {
  status?: TicketStatus;
  limit?: number;
}

/** Tickets `p` may see, latest activity first (the CLI's list; the admin pages its own). */
export async function listTickets(db: Db, p: Principal, f: TicketFilter = {}): Promise<Ticket[]> {
  const q = ticketScope(db, p).select('tickets.*').orderBy('tickets.updated_ms', 'desc').orderBy('tickets.id', 'desc');
  if (f.status) q.where('tickets.status', f.status);
  if (f.limit) q.limit(f.limit);
  return (await q).map(ticketOf);
}
