// What each SMTP step counts, as plain functions of what the step already has in hand.
import { finalTargets, type MailhostNotes, type DeliveryReport } from '../delivery';
import { fateCategory } from '../policy';
import type { StatsBatcher } from './batcher';

/** The canonical recipient (after domain alias) of an address the client gave. */
function canonical(notes: MailhostNotes, rcpt: string): string {
  return notes.recipients.find((r) => r.rcpt === rcpt)?.recipient ?? rcpt;
}

/**
 * One delivered message: each local copy counts for its mailbox (inbox, Junk or quarantine by
 * category), each forward for the address that forwarded it; every copy is `received` and adds
 * the message's size to `bytes`. Dropped targets (mail loops) count nothing.
 */
export function countDelivery(b: StatsBatcher, notes: MailhostNotes, report: DeliveryReport, bytes: number): void {
  const folders = new Map(report.local.map((l) => [l.address, l.folder]));
  const quarantined = new Set(report.quarantined);
  const forwarded = new Set(report.forwarded);
  for (const t of finalTargets(notes)) {
    if (t.target.kind === 'local') {
      const owner = { mailboxId: t.target.mailbox.id, domainId: t.target.mailbox.domain_id };
      if (quarantined.has(t.key)) {
        const c = fateCategory(notes.fates[t.key]);
        b.add(owner, { received: 1, bytes, quarantined: 1, [`quarantined_${c === 'ham' ? 'spam' : c}`]: 1 });
      } else if (folders.has(t.target.mailbox.address)) {
        b.add(owner, { received: 1, bytes, [folders.get(t.target.mailbox.address) === 'INBOX' ? 'inbox' : 'junk']: 1 });
      }
    } else if (forwarded.has(t.target.address)) {
      b.add({ address: canonical(notes, t.rcpts[0]) }, { received: 1, bytes, forwarded: 1 });
    }
  }
}

/** A recipient refused at RCPT, counted for the address the client gave. */
export function countRefusedRcpt(b: StatsBatcher, address: string): void {
  b.add({ address: address.toLowerCase() }, { refused_rcpt: 1 });
}

/** A message refused after DATA: once for each recipient accepted at RCPT. */
export function countRefusedData(b: StatsBatcher, notes: MailhostNotes | undefined): void {
  for (const r of notes?.recipients ?? []) b.add({ address: r.recipient }, { refused_data: 1 });
}

/** An automatic reply sent on behalf of a mailbox. */
export function countAutoreply(b: StatsBatcher, mailbox: string): void {
  b.add({ address: mailbox }, { autoreplies: 1 });
}
