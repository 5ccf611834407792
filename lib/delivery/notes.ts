// The contract between our plugins: what each step leaves in transaction.notes.mailhost.
//   mailhost.rcpt      fills `recipients` (one entry per accepted RCPT, with its final targets) and `lists`
//   mailhost.spam      (data_post) fills `verdict` and a `fates` entry per final target
//   mailhost.deliver   (queue) carries out each target's fate once, de-duplicated across RCPTs
//   mailhost.autoreply (data_post) notes who is `away`; (queue_ok) answers for local targets whose fate is inbox
import type { Target } from '../directory';
import type { ListCache, TargetFate } from '../policy';

export type { TargetFate };

export interface RecipientNote {
  rcpt: string; // the address the client gave, normalised
  recipient: string; // canonical local address (after domain alias)
  targets: Target[];
}


export interface MailhostNotes {
  recipients: RecipientNote[];
  verdict?: unknown; // owned by the spam step (lib/spam)
  fates: Record<string, TargetFate>; // keyed by targetKey()
  remote?: string[]; // non-local recipients of an authenticated (relaying) client
  lists?: ListCache; // sender-list entries read at RCPT (mailhost.rcpt), reused after DATA (mailhost.spam)
  away?: number[]; // mailboxes with an autoreply active at DATA (mailhost.autoreply): none = no reply to plan
}

export function targetKey(t: Target): string {
  return t.kind === 'local' ? `L:${t.mailbox.id}` : `E:${t.address}`;
}

export function mailhostNotes(notes: Record<string, unknown>): MailhostNotes {
  let n = notes.mailhost as MailhostNotes | undefined;
  if (!n) notes.mailhost = n = { recipients: [], fates: {} };
  return n;
}

export interface FinalTarget {
  key: string;
  target: Target;
  rcpts: string[]; // which accepted recipients reached it (first = X-Original-To)
}

/** Every final target of the message once, whichever recipients reached it. */
export function finalTargets(n: MailhostNotes): FinalTarget[] {
  const out = new Map<string, FinalTarget>();
  for (const r of n.recipients) {
    for (const t of r.targets) {
      const key = targetKey(t);
      const seen = out.get(key);
      if (seen) seen.rcpts.push(r.rcpt);
      else out.set(key, { key, target: t, rcpts: [r.rcpt] });
    }
  }
  return [...out.values()];
}
