// SMTP AUTH of a mailbox on the submission port: the admin login's check and throttle
// (lib/accounts authenticate: mailbox password hash, active mailbox and domain, failures per
// account and per IP in SQL), then the mailbox's sending suspension.
import { type Db, type Reply, REPLIES } from '../core';
import { authenticate } from '../accounts';
import { sendingSuspension, suspendedReply } from './limits';

/** The mailbox a submission client logged in as. */
export interface Sender { mailboxId: number; domainId: number; address: string }

export type AuthOutcome = { ok: true; sender: Sender } | { ok: false; reply: Reply };

export async function authenticateSender(db: Db, user: string, password: string, ip: string, now = Date.now()): Promise<AuthOutcome> {
  const r = await authenticate(db, user, password, ip, now);
  if (!r.ok) return { ok: false, reply: r.reason === 'throttled' ? REPLIES.auth_throttled : REPLIES.auth_failed };
  // admin and client accounts log in to the web pages, not to send mail
  if (r.principal.role !== 'user') return { ok: false, reply: REPLIES.auth_failed };
  const row = await db('mailboxes').where({ id: r.principal.id }).first('id', 'domain_id', 'address');
  if (!row) return { ok: false, reply: REPLIES.auth_failed };
  const suspended = await sendingSuspension(db, Number(row.id), now);
  if (suspended) return { ok: false, reply: suspendedReply(suspended) };
  return { ok: true, sender: { mailboxId: Number(row.id), domainId: Number(row.domain_id), address: String(row.address) } };
}
