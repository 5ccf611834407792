// Sender Rewriting Scheme for forwards: the envelope sender of a forwarded message becomes
// SRS0=<hash>=<tt>=<domain>=<local>@<our forwarding domain>, so SPF passes at the destination
// and a bounce comes back to us; we reverse it (checking hash and age) to the original sender.
import crypto from 'node:crypto';

const DAY = 86400;
const TT_MOD = 1024; // two base32 characters
const MAX_AGE_DAYS = 21;
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

function timestamp(nowSec: number): string {
  const day = Math.floor(nowSec / DAY) % TT_MOD;
  return B32[day >> 5] + B32[day & 31];
}

function hash(secret: string, ...parts: string[]): string {
  // lower-case: local parts travel case-folded through MTAs
  return crypto.createHmac('sha256', secret).update(parts.join('=').toLowerCase()).digest('hex').slice(0, 8);
}

/** Rewrites `sender` (local@domain) for forwarding through `forwardDomain`. Empty sender stays empty. */
export function srsForward(sender: string, forwardDomain: string, secret: string, nowSec = Date.now() / 1000): string {
  if (!sender) return '';
  const at = sender.lastIndexOf('@');
  if (at <= 0) return sender;
  const local = sender.slice(0, at);
  const domain = sender.slice(at + 1).toLowerCase();
  if (domain === forwardDomain.toLowerCase() && /^srs0=/i.test(local)) return sender; // already ours
  const tt = timestamp(nowSec);
  return `SRS0=${hash(secret, tt, domain, local)}=${tt}=${domain}=${local}@${forwardDomain}`;
}

/** The original sender for an SRS0 local part we issued, or null when forged or expired. */
export function srsReverse(localPart: string, secret: string, nowSec = Date.now() / 1000): string | null {
  const m = /^srs0=([0-9a-f]{8})=([a-z2-7]{2})=([^=]+)=(.+)$/i.exec(localPart);
  if (!m) return null;
  const [, h, tt, domain, local] = m;
  if (!crypto.timingSafeEqual(Buffer.from(h.toLowerCase()), Buffer.from(hash(secret, tt, domain, local)))) return null;
  const issued = B32.indexOf(tt[0].toLowerCase()) * 32 + B32.indexOf(tt[1].toLowerCase());
  const today = Math.floor(nowSec / DAY) % TT_MOD;
  const age = (today - issued + TT_MOD) % TT_MOD;
  if (age > MAX_AGE_DAYS) return null;
  return `${local}@${domain}`;
}
