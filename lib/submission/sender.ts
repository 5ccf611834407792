// Which addresses an authenticated mailbox may send as: its own, or any address that reaches
// only it (an alias, a forward, user+tag, postmaster@ or abuse@ when they route to it), found
// by the same recipient resolution the MTA uses. Anything else would be a forged sender.
import { tryParseAddress } from '../core';
import { resolveRecipient, type Directory, type ResolveOptions } from '../directory';
import type { Sender } from './auth';

export async function ownsAddress(dir: Directory, sender: Sender, candidate: string, opts: ResolveOptions = {}): Promise<boolean> {
  const addr = tryParseAddress(candidate);
  if (!addr) return false;
  if (addr.address === sender.address) return true;
  // our SRS addresses are never a sender's own
  const res = await resolveRecipient(dir, addr.address, { postmaster: opts.postmaster, maxDepth: opts.maxDepth });
  if (res.status !== 'local' || !res.targets.length) return false;
  return res.targets.every((t) => t.kind === 'local' && t.mailbox.id === sender.mailboxId);
}
