// When an autoreply must stay silent: PostfixAdmin's vacation list plus RFC 3834, and the
// verdict of the spam step for that very recipient. Pure functions over the headers, the
// envelope and what we know about the recipient; the first reason found is returned.
import addressparser from 'nodemailer/lib/addressparser';
import { tryParseAddress } from '../core';
import type { TargetFate } from '../delivery';

export type SuppressReason =
  | 'released' // being released from quarantine: the sender already waited, answering now is noise
  | 'not_inbox' // the copy goes to Junk, quarantine or nowhere
  | 'spam'
  | 'virus'
  | 'null_sender' // <> : bounces, and other autoreplies (RFC 3834 2)
  | 'mailer_daemon'
  | 'invalid_sender'
  | 'auto_submitted' // Auto-Submitted present and not "no" (RFC 3834 5)
  | 'autoreply_header' // X-Autoreply, X-Autorespond... of responders that predate RFC 3834
  | 'precedence' // Precedence: bulk | list | junk
  | 'list_message' // List-Id, List-Post, List-Unsubscribe... (RFC 2369, 2919)
  | 'report' // multipart/report: delivery or read notifications
  | 'auto_response_suppress' // X-Auto-Response-Suppress: OOF | AutoReply | All (Microsoft)
  | 'loop' // X-Loop, or our own loop header
  | 'noreply_sender'
  | 'noreply_from'
  | 'noreply_reply_to'
  | 'own_address'; // the sender is the mailbox itself

/** Our loop header, set on every reply. */
export const LOOP_HEADER = 'X-Mailhost-Autoreply';

export type HeaderSource =
  | { get_all(name: string): string[] }
  | ((name: string) => string[])
  | Record<string, string | string[] | undefined>;

export interface SuppressEnvelope {
  mailFrom: string; // envelope sender; '' for <>
}

export interface SuppressContext {
  mailbox: string; // the mailbox the autoreply belongs to
  addresses?: string[]; // the addresses through which the message reached it (alias, catch-all...)
  fate?: TargetFate; // this recipient's fate from the spam step
  verdict?: string | null; // this recipient's category: ham | newsletter | spam | virus
  released?: boolean; // the message is being released from quarantine
}

/** Reads every value of a header, whatever the shape of the header source. */
export function headerReader(src: HeaderSource): (name: string) => string[] {
  if (typeof src === 'function') return (name) => src(name) ?? [];
  if (typeof (src as { get_all?: unknown }).get_all === 'function') {
    const h = src as { get_all(name: string): string[] };
    return (name) => (h.get_all(name) ?? []).map((v) => String(v).replace(/\r?\n$/, ''));
  }
  const rec = src as Record<string, string | string[] | undefined>;
  const lower = new Map<string, string[]>();
  for (const [k, v] of Object.entries(rec)) {
    if (v === undefined) continue;
    const list = lower.get(k.toLowerCase()) ?? [];
    list.push(...(Array.isArray(v) ? v : [v]));
    lower.set(k.toLowerCase(), list);
  }
  return (name) => lower.get(name.toLowerCase()) ?? [];
}

/** The first token of a header value, lower case, without comments or parameters. */
function token(value: string): string {
  return value
    .replace(/\([^)]*\)/g, ' ')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

const NOREPLY_LOCAL = [
  /^no[-_.]?reply/, // noreply, no-reply, no_reply, noreply-billing
  /^do[-_.]?not[-_.]?reply/, // donotreply, do-not-reply
  /^postmaster$/,
  /^mailer[-_]?daemon$/,
  /^listserv$/,
  /^majordomo$/,
  /^owner-/,
  /-owner$/,
  /-request$/,
  /^bounces?(?:$|[-+_.=])/, // bounces, bounce-mc.us2_..., bounces+1611913-...
  /-bounces?$/,
];

/** True for local parts of robots that must never get an autoreply (PostfixAdmin's list). */
export function isNoReplyLocalPart(local: string): boolean {
  const l = local.toLowerCase();
  const base = l.includes('+') ? l.slice(0, l.indexOf('+')) : l;
  return NOREPLY_LOCAL.some((re) => re.test(l) || re.test(base));
}

export function isNoReplyAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return isNoReplyLocalPart(at < 0 ? address : address.slice(0, at));
}

/** The addresses of address headers (From, Reply-To), lower case, unparseable ones kept raw. */
export function headerAddresses(values: string[]): string[] {
  const out: string[] = [];
  const walk = (list: ReturnType<typeof addressparser>) => {
    for (const a of list) {
      if ('group' in a && a.group) walk(a.group);
      else if ('address' in a && a.address) out.push(a.address.trim().toLowerCase());
    }
  };
  for (const v of values) {
    try {
      walk(addressparser(v));
    } catch {
      /* an unparseable header gives no address */
    }
  }
  return out;
}

function canonical(address: string): string {
  return tryParseAddress(address)?.address ?? address.trim().replace(/^<|>$/g, '').toLowerCase();
}

const CATEGORIES = ['ham', 'newsletter', 'spam', 'virus'];

/** The category the spam step wrote at the head of a fate's reason ("spam: score at or above 5"). */
export function fateCategory(fate: TargetFate | undefined): string | null {
  const explicit = (fate as { category?: unknown } | undefined)?.category;
  if (explicit) return String(explicit).toLowerCase();
  const c = fate?.reason?.split(':')[0].trim().toLowerCase() ?? '';
  return CATEGORIES.includes(c) ? c : null;
}

/** What the spam step decided for this recipient, reduced to the reasons to stay silent. */
function verdictReason(ctx: SuppressContext, get: (name: string) => string[]): SuppressReason | null {
  const fate = ctx.fate;
  const category = String(ctx.verdict ?? fateCategory(fate) ?? '').toLowerCase();
  if (category === 'virus') return 'virus';
  if (category === 'spam') return 'spam';
  if (fate && fate.action !== 'inbox') return 'not_inbox';
  if (fate?.subjectTag) return 'spam'; // tagged spam delivered to the inbox
  if (category) return null; // this recipient's own verdict (e.g. an allowed sender) wins over the message's flag
  if (get('X-Spam-Flag').some((v) => token(v) === 'yes')) return 'spam';
  return null;
}

/**
 * Why an autoreply must not answer this message for this mailbox, or null when it may.
 * Every rule of the "Never reply" list, plus a few of the same family (see comments).
 */
export function shouldSuppress(headers: HeaderSource, envelope: SuppressEnvelope, ctx: SuppressContext): SuppressReason | null {
  const get = headerReader(headers);

  if (ctx.released) return 'released';
  const verdict = verdictReason(ctx, get);
  if (verdict) return verdict;

  // the envelope sender
  const from = String(envelope.mailFrom ?? '').trim().replace(/^<(.*)>$/, '$1');
  if (!from) return 'null_sender';
  const fromLocal = from.includes('@') ? from.slice(0, from.lastIndexOf('@')) : from;
  if (/^mailer[-_]?daemon$/i.test(fromLocal)) return 'mailer_daemon';
  const sender = tryParseAddress(from);
  if (!sender) return 'invalid_sender';

  // automatic messages (RFC 3834) and mass mail
  if (get('Auto-Submitted').some((v) => token(v) !== 'no')) return 'auto_submitted';
  for (const h of ['X-Autoreply', 'X-Autorespond', 'X-Auto-Reply-From', 'X-Autogenerated', 'X-AutoReply-From']) {
    if (get(h).length) return 'autoreply_header';
  }
  if (get('Precedence').some((v) => ['bulk', 'list', 'junk'].includes(token(v)))) return 'precedence';
  for (const h of ['List-Id', 'List-Post', 'List-Unsubscribe', 'List-Help', 'List-Subscribe', 'List-Owner', 'List-Archive']) {
    if (get(h).length) return 'list_message';
  }
  if (get('Content-Type').some((v) => token(v) === 'multipart/report')) return 'report';
  const suppress = get('X-Auto-Response-Suppress').flatMap((v) => v.toLowerCase().split(/[\s,;]+/));
  if (suppress.some((t) => t === 'oof' || t === 'autoreply' || t === 'all')) return 'auto_response_suppress';
  if (get('X-Loop').length || get(LOOP_HEADER).length) return 'loop';

  // robots and ourselves
  if (isNoReplyLocalPart(sender.local)) return 'noreply_sender';
  const fromHeader = headerAddresses(get('From'));
  const replyTo = headerAddresses(get('Reply-To'));
  if (replyTo.some(isNoReplyAddress)) return 'noreply_reply_to';
  if (fromHeader.some(isNoReplyAddress)) return 'noreply_from';
  const own = new Set([ctx.mailbox, ...(ctx.addresses ?? [])].map(canonical));
  if (own.has(sender.address) || fromHeader.some((a) => own.has(canonical(a)))) return 'own_address';
  return null;
}

function sameOrganisation(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/**
 * Whom to answer: the envelope sender (RFC 3834 4), or the message's Reply-To when it is
 * safe - exactly one valid address, not a robot, not ourselves, in the same domain as the
 * envelope sender (so a forged Reply-To cannot turn us into a reflector; the From is not
 * enough, anybody can write it).
 */
export function replyRecipient(headers: HeaderSource, envelope: SuppressEnvelope, ctx: Pick<SuppressContext, 'mailbox' | 'addresses'>): string | null {
  const get = headerReader(headers);
  const sender = tryParseAddress(String(envelope.mailFrom ?? ''));
  if (!sender) return null;
  const replyTo = headerAddresses(get('Reply-To'));
  if (replyTo.length !== 1) return sender.address;
  const candidate = tryParseAddress(replyTo[0]);
  if (!candidate || isNoReplyLocalPart(candidate.local)) return sender.address;
  const own = new Set([ctx.mailbox, ...(ctx.addresses ?? [])].map(canonical));
  if (own.has(candidate.address)) return sender.address;
  return sameOrganisation(sender.domain, candidate.domain) ? candidate.address : sender.address;
}
