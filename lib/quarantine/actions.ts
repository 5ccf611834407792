// What a person does with a held message from the quarantine space (web pages, digest links):
// release it once, optionally accepting its sender, the sender's domain or the newsletter from
// now on. A virus is released by an admin only. A second release is refused, not repeated.
import { type Db, conflict, forbidden, invalid } from '../core';
import { ensureListEntry, normalizePattern } from '../policy';
import { getQuarantined, releaseQuarantined, type QuarantineRow } from './store';

/** What to accept from now on, together with the release. */
export const ACCEPT_CHOICES = ['none', 'sender', 'domain', 'newsletter'] as const;
export type AcceptChoice = (typeof ACCEPT_CHOICES)[number];

export interface ReleaseRequest {
  dataDir: string;
  /** the person acting is an admin (may release a virus) */
  admin?: boolean;
  /** restrict to this mailbox (a user, a digest link) */
  mailbox?: string | number;
  accept?: AcceptChoice;
}

/** The sender of a held message as a list pattern: the whole address, or its domain. */
export function senderPattern(row: QuarantineRow, what: 'sender' | 'domain'): string {
  const sender = row.mail_from || row.header_from;
  const at = sender.lastIndexOf('@');
  if (!sender || at < 0) throw invalid('sender', 'this message has no sender address to accept');
  return normalizePattern(what === 'sender' ? sender : `*@${sender.slice(at + 1)}`);
}

/** Refuses what this person may not release (a virus, for anyone but an admin). */
export function checkReleasable(row: QuarantineRow, admin: boolean): void {
  if (row.category === 'virus' && !admin) throw forbidden('a message holding a virus can only be released by an administrator');
  if (row.released) throw conflict('id', 'this message has already been released');
}

/** Releases the message to its recipient only, once; then adds the accepted sender, if any. */
export async function releaseHeld(db: Db, id: number, req: ReleaseRequest): Promise<{ row: QuarantineRow; accepted?: string }> {
  const row = await getQuarantined(db, id, { mailbox: req.mailbox });
  checkReleasable(row, !!req.admin);
  const accept = req.accept ?? 'none';
  if (accept === 'newsletter' && row.category !== 'newsletter') throw invalid('accept', 'only a newsletter can be accepted as a newsletter');
  // the pattern is checked before anything is delivered, so a bad sender changes nothing
  const pattern = accept === 'none' ? undefined : senderPattern(row, accept === 'domain' ? 'domain' : 'sender');
  const done = await releaseQuarantined(db, id, { dataDir: req.dataDir, mailbox: req.mailbox });
  if (!done.released) throw conflict('id', 'this message has already been released');
  if (pattern) {
    const kind = accept === 'newsletter' ? 'newsletter' : 'allow';
    await ensureListEntry(db, { mailbox: row.mailbox_id, kind, pattern, comment: `accepted from quarantine #${id}` });
  }
  return { row: { ...row, released: true }, accepted: pattern };
}
