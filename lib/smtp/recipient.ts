// The whole RCPT decision in one call: resolve the recipient, then check the envelope sender
// against the sender lists of the targets it reaches. The plugin only maps the answer to a code.
import { REPLIES, type Db, type Reply } from '../core';
import { resolveRecipient, type Directory, type ResolveOptions, type Target } from '../directory';
import { envelopeBlocks, type ListCache } from '../policy';
import type { RecipientNote } from '../delivery';

export interface RecipientQuery {
  /** the address the client gave (user@host, or the bare form such as `postmaster`) */
  input: string;
  /** envelope sender, '' for the null sender */
  mailFrom: string;
  /** the client may relay (authenticated or an allowed host) */
  relaying: boolean;
}

export type RecipientDecision =
  /** ours: the note to keep for the later steps; `skipped` = addresses not reached, with why */
  | { action: 'accept'; note: RecipientNote; skipped: string[] }
  /** not ours and the client may relay */
  | { action: 'relay'; recipient: string }
  /** refused: the reply to give, and a short result for logs (`reason:address`) */
  | { action: 'refuse'; reply: Reply; result: string };

const label = (t: Target) => (t.kind === 'local' ? t.mailbox.address : t.address);

export async function decideRecipient(db: Db, dir: Directory, q: RecipientQuery, opts: ResolveOptions, lists: ListCache): Promise<RecipientDecision> {
  const res = await resolveRecipient(dir, q.input, opts);
  switch (res.status) {
    case 'reject':
      return { action: 'refuse', reply: REPLIES[res.reason], result: `${res.reason}:${q.input}` };
    case 'remote':
      return q.relaying ? { action: 'relay', recipient: res.recipient } : { action: 'refuse', reply: REPLIES.relay_denied, result: `relay_denied:${res.recipient}` };
    case 'local': {
      // a `block` entry on the envelope sender refuses this recipient's targets that have it
      const { kept, blocked } = await envelopeBlocks(db, q.mailFrom, res.targets, lists);
      if (!kept.length) return { action: 'refuse', reply: REPLIES.sender_blocked, result: `sender_blocked:${res.recipient}` };
      const skipped = [...res.skipped.map((s) => `${s.address}:${s.reason}`), ...blocked.map((t) => `${label(t)}:sender_blocked`)];
      return { action: 'accept', note: { rcpt: res.address, recipient: res.recipient, targets: kept }, skipped };
    }
  }
}
