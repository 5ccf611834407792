// The mail notice of a ticket's step to the other side, in each recipient's language, sent
// through the sender every notice of ours uses (lib/quarantine's MailSender: the relay, else
// the local Haraka). A notice that cannot leave is reported, never a reason to undo the step:
// the thread is on the help desk page anyway.
import os from 'node:os';
import type { Db } from '../core';
import type { MailSender } from '../quarantine';
import type { TicketEvent } from './tickets';
import { otherSide, recipientsOf } from './sides';
import { NOTICE_TEXT, fill, noticeLanguage } from './text';

export interface HelpdeskMailer {
  send: MailSender;
  /** where the admin is reached from outside (the link in the notice) */
  baseUrl: string;
  /** the ISP's address when no admin account has an email (MAILHOST_POSTMASTER) */
  postmaster?: string;
}

export interface NoticeOutcome {
  sent: string[];
  failed: string[];
}

/** The notice of `event` for one reader (subject and text). */
export function composeNotice(event: TicketEvent, language: string | null, baseUrl: string): { subject: string; text: string } {
  const T = NOTICE_TEXT[noticeLanguage(language)];
  const { ticket, comment } = event;
  const vars = { id: ticket.id, subject: ticket.subject, who: comment.author, url: `${baseUrl}/tickets/${ticket.id}` };
  const lines = [fill(T.intro[comment.kind], vars), ''];
  if (comment.kind === 'open') lines.push(`  ${T.subjectLabel} ${ticket.subject}`, `  ${T.category} ${T.categories[ticket.category] ?? ticket.category}`, '');
  if (comment.body) lines.push(...comment.body.split('\n').map((l) => `> ${l}`), '');
  lines.push(fill(T.link, vars), '', '-- ', T.footer, '');
  return { subject: fill(T.subject[comment.kind], vars), text: lines.join('\n') };
}

/** From postmaster@ the domain of the mailbox concerned (the ISP's host for a client's ticket). */
function senderOf(event: TicketEvent): string {
  const o = event.ticket.opener;
  return `postmaster@${event.ticket.mailboxId != null && o.includes('@') ? o.slice(o.lastIndexOf('@') + 1) : os.hostname()}`;
}

/** Tells the side that did not act; one mail per recipient, each in their language. */
export async function notifyOtherSide(db: Db, event: TicketEvent, mailer: HelpdeskMailer): Promise<NoticeOutcome> {
  const out: NoticeOutcome = { sent: [], failed: [] };
  for (const r of await recipientsOf(db, event.ticket, otherSide(event.comment.side), { postmaster: mailer.postmaster })) {
    const { subject, text } = composeNotice(event, r.language, mailer.baseUrl);
    try {
      await mailer.send({ from: senderOf(event), to: r.email, subject, text });
      out.sent.push(r.email);
    } catch (err) {
      out.failed.push(`${r.email}: ${(err as Error).message}`);
    }
  }
  return out;
}
