// Who "the other side" of a ticket is, as addresses to tell and the language to tell them in.
//   The opener: a mailbox owner is told in their mailbox (where they read their mail); a
//     client at their account's email.
//   The support: the client who owns the mailbox's domain (their account's email); for a
//     client's own ticket, or a mailbox whose domain has no client, the ISP: every active admin
//     with an email, else MAILHOST_POSTMASTER when set.
// An account without an email is not told (the ticket waits in their list all the same).
import { type Db, tryParseAddress } from '../core';
import type { Ticket, TicketSide } from './tickets';

export interface Recipient {
  email: string;
  language: string | null;
}

async function openerRecipients(db: Db, ticket: Ticket): Promise<Recipient[]> {
  if (ticket.mailboxId != null) {
    const mb = await db('mailboxes').where({ id: ticket.mailboxId }).first('address', 'language');
    return mb ? [{ email: String(mb.address), language: mb.language ?? null }] : [];
  }
  const a = ticket.accountId != null ? await db('accounts').where({ id: ticket.accountId, active: true }).first('email', 'language') : null;
  return a?.email ? [{ email: String(a.email), language: a.language ?? null }] : [];
}

/** The client who owns the domain of the ticket's mailbox (active), or null: the ISP answers. */
async function domainClient(db: Db, ticket: Ticket): Promise<{ email: string; language: string | null } | null> {
  if (ticket.mailboxId == null) return null;
  const row = await db('mailboxes as m')
    .join('domains as d', 'd.id', 'm.domain_id')
    .join('accounts as a', 'a.id', 'd.client_id')
    .where('m.id', ticket.mailboxId)
    .where('a.active', true)
    .first('a.email', 'a.language');
  return row ? { email: String(row.email ?? ''), language: row.language ?? null } : null;
}

async function supportRecipients(db: Db, ticket: Ticket, postmaster?: string): Promise<Recipient[]> {
  const client = await domainClient(db, ticket);
  if (client) return client.email ? [client] : [];
  const admins = await db('accounts').where({ role: 'admin', active: true }).andWhere('email', '<>', '').whereNotNull('email').orderBy('id').select('email', 'language');
  if (admins.length) return admins.map((a: { email: string; language: string | null }) => ({ email: a.email, language: a.language ?? null }));
  return postmaster ? [{ email: postmaster, language: null }] : [];
}

/** The addresses on `side` of the ticket, valid and each once. */
export async function recipientsOf(db: Db, ticket: Ticket, side: TicketSide, opts: { postmaster?: string } = {}): Promise<Recipient[]> {
  const found = side === 'opener' ? await openerRecipients(db, ticket) : await supportRecipients(db, ticket, opts.postmaster);
  const out: Recipient[] = [];
  for (const r of found) {
    const a = tryParseAddress(r.email);
    if (a && !out.some((o) => o.email === a.address)) out.push({ email: a.address, language: r.language });
  }
  return out;
}

export const otherSide = (side: TicketSide): TicketSide => (side === 'opener' ? 'support' : 'opener');
