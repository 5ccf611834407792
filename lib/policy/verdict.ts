// Per-recipient verdicts: from the engine's verdict (lib/spam), the recipient's policy
// (lib/policies) and sender lists (lib/senderLists) to the fate of one final target, plus
// the SpamAssassin-compatible headers and the warning text added to tagged copies.
// Plain functions: no database, no Haraka.
import crypto from 'node:crypto';
import type { Policy } from './policies';
import type { ListDecision } from './senderLists';
import { headerEnd, headerValues, headerFields } from '../core';

/** What happens to one final target. Absent = inbox, untouched. */
export interface TargetFate {
  action: 'inbox' | 'junk' | 'quarantine' | 'drop';
  subjectTag?: string; // prefix the Subject for this copy only
  warning?: string; // text added on top of the body for this copy only
  reason?: string; // why (for logs and results)
}

export type Category = 'ham' | 'newsletter' | 'spam' | 'virus';

/** The part of lib/spam's Verdict this module reads. */
export interface VerdictSummary {
  score: number;
  category: Category;
  reasons: { rule: string; points: number }[];
  newsletter: boolean;
}

export interface FateInput {
  /** the engine's category recomputed with this recipient's threshold and antivirus switch */
  category: Category;
  policy: Policy;
  listing: ListDecision;
  /** a forward to another server (no Junk folder, no quarantine there) */
  external: boolean;
  /** false: the mailbox turned spam filtering off (lib/policy switches); absent = on */
  spamFilter?: boolean;
  size: number; // bytes of the message
  quarantineMaxBytes: number; // larger messages go to Junk instead of quarantine
}

export interface FateDecision {
  fate: TargetFate;
  /** the category after sender lists (allow -> ham, block -> spam) */
  category: Category;
  /** set when this recipient's policy would refuse the message at DATA */
  reject?: 'spam' | 'virus';
}

/** The category recorded in a fate's reason ("spam: ...") - quarantine rows and autoreplies read it. */
export function fateCategory(fate: TargetFate | undefined): Category {
  const c = fate?.reason?.split(':')[0];
  return c === 'spam' || c === 'virus' || c === 'newsletter' ? c : 'ham';
}

function listNote(l: ListDecision): string {
  return `${l.scope} ${l.decision} list ${l.pattern} (${l.matched === 'from' ? 'header From' : 'envelope sender'})`;
}

/**
 * Where one final target's copy goes:
 *  - virus (when the policy has antivirus on): virus_action; a sender on an allow list does not change this;
 *  - sender on an allow list: inbox, the spam verdict is skipped;
 *  - sender on a block list (header From; envelope blocks are refused at RCPT): treated as spam;
 *  - spam filtering off for the mailbox: spam and newsletters to the inbox, untagged;
 *  - spam: tag (inbox with subject tag and warning) | junk | quarantine | delete | reject;
 *  - newsletter: newsletter_action, unless the sender is on a newsletter list (inbox);
 *  - ham: inbox.
 * An external target can have no Junk folder nor quarantine: spam is forwarded only when the
 * policy delivers it (tag), otherwise dropped; a held newsletter is forwarded (it is not spam).
 * A message larger than quarantineMaxBytes goes to Junk instead of quarantine (a virus is dropped).
 * A recipient whose policy says reject keeps a quarantine copy in case another recipient
 * accepts the message (only when every recipient rejects is the message refused at DATA).
 */
export function decideFate(input: FateInput): FateDecision {
  const { policy, listing, external } = input;
  const tooBig = input.size > input.quarantineMaxBytes;
  const hold = (category: Category, why: string): TargetFate => {
    if (external) return { action: 'drop', reason: `${category}: ${why}, not forwarded` };
    if (!tooBig) return { action: 'quarantine', reason: `${category}: ${why}` };
    if (category === 'virus') return { action: 'drop', reason: `${category}: ${why}, too large for quarantine` };
    return { action: 'junk', reason: `${category}: ${why}, too large for quarantine` };
  };

  if (input.category === 'virus') {
    switch (policy.virus_action) {
      case 'delete':
        return { category: 'virus', fate: { action: 'drop', reason: 'virus: deleted by policy' } };
      case 'reject':
        return { category: 'virus', reject: 'virus', fate: hold('virus', 'rejected by policy') };
      case 'quarantine':
        return { category: 'virus', fate: hold('virus', 'quarantined by policy') };
    }
  }

  if (listing.decision === 'allow') return { category: 'ham', fate: { action: 'inbox', reason: `ham: allowed by ${listNote(listing)}` } };

  const category: Category = listing.decision === 'block' ? 'spam' : input.category;
  // no spam filtering: spam and newsletters go to the inbox untouched; the reason keeps the
  // category, so that autoreplies still stay silent to spam (a block entry still counts)
  if (input.spamFilter === false && listing.decision !== 'block' && (category === 'spam' || category === 'newsletter')) {
    return { category, fate: { action: 'inbox', reason: `${category}: delivered, spam filtering off` } };
  }
  if (category === 'spam') {
    const why = listing.decision === 'block' ? `blocked by ${listNote(listing)}` : `score at or above ${policy.threshold}`;
    switch (policy.action) {
      case 'tag':
        return {
          category,
          fate: { action: 'inbox', subjectTag: policy.subject_tag || undefined, warning: policy.warning || undefined, reason: `spam: ${why}, tagged` },
        };
      case 'junk':
        return { category, fate: external ? { action: 'drop', reason: `spam: ${why}, not forwarded` } : { action: 'junk', reason: `spam: ${why}` } };
      case 'quarantine':
        return { category, fate: hold('spam', why) };
      case 'delete':
        return { category, fate: { action: 'drop', reason: `spam: ${why}, deleted by policy` } };
      case 'reject':
        return { category, reject: 'spam', fate: hold('spam', `${why}, rejected by policy`) };
    }
  }

  if (category === 'newsletter') {
    if (listing.newsletter) return { category, fate: { action: 'inbox', reason: 'newsletter: wanted (newsletter list)' } };
    const action = policy.newsletter_action;
    if (action === 'deliver' || external) return { category, fate: { action: 'inbox', reason: 'newsletter: delivered' } };
    if (action === 'junk') return { category, fate: { action: 'junk', reason: 'newsletter: to Junk by policy' } };
    return { category, fate: hold('newsletter', 'held by policy') };
  }

  return { category: 'ham', fate: { action: 'inbox', reason: 'ham' } };
}

/**
 * Every target's decision. The quarantine size limit is a setting read from the database:
 * `quarantineMaxBytes` is called only when some copy would be quarantined (rarely, for ham).
 */
export async function decideFates<K>(
  targets: { key: K; input: Omit<FateInput, 'quarantineMaxBytes'> }[],
  quarantineMaxBytes: () => Promise<number>,
): Promise<{ key: K; d: FateDecision }[]> {
  const decide = (max: number) => targets.map((t) => ({ key: t.key, d: decideFate({ ...t.input, quarantineMaxBytes: max }) }));
  const unlimited = decide(Infinity);
  return unlimited.some((x) => x.d.fate.action === 'quarantine') ? decide(await quarantineMaxBytes()) : unlimited;
}

/** True when the message must be refused at DATA: every decision says reject. */
export function everyoneRejects(decisions: FateDecision[]): 'spam' | 'virus' | null {
  if (!decisions.length || !decisions.every((d) => d.reject)) return null;
  return decisions.some((d) => d.reject === 'virus') ? 'virus' : 'spam';
}

// ---------------------------------------------------------------------------------------------
// Headers

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

/**
 * X-Spam-Flag, X-Spam-Score and X-Spam-Status in SpamAssassin's form, e.g.
 * `Yes, score=7.2 required=5.0 tests=BAYES_99,HTML_ONLY`; a virus is always "Yes".
 */
export function spamHeaders(verdict: VerdictSummary, required: number): { name: string; value: string }[] {
  const isSpam = verdict.category === 'virus' || verdict.score >= required;
  const tests = verdict.reasons.map((r) => r.rule.replace(/[^A-Za-z0-9_.-]/g, '_')).filter(Boolean);
  return [
    { name: 'X-Spam-Flag', value: isSpam ? 'YES' : 'NO' },
    { name: 'X-Spam-Score', value: fmt(verdict.score) },
    { name: 'X-Spam-Status', value: `${isSpam ? 'Yes' : 'No'}, score=${fmt(verdict.score)} required=${fmt(required)} tests=${tests.length ? tests.join(',') : 'none'}` },
  ];
}

/** Header names a sender must not be able to set (removed before ours are added). */
export function isSpamHeader(name: string): boolean {
  return /^x-spam-/i.test(name);
}

// ---------------------------------------------------------------------------------------------
// Warning text on top of the body



function base64Lines(text: string): string {
  return (Buffer.from(text, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/**
 * Adds `warning` on top of the message body. A plain-text, unencoded body gets the text
 * prepended; anything else (HTML, multipart, base64/quoted-printable) is wrapped in a
 * multipart/mixed whose first part is the warning, so the original body is never re-encoded.
 */
export function addWarning(message: Buffer, warning: string): Buffer {
  const text = warning.replace(/\0/g, '').replace(/\r?\n/g, '\r\n').trim();
  if (!text) return message;
  const end = headerEnd(message);
  const type = (headerValues(message, 'Content-Type')[0] ?? 'text/plain').toLowerCase();
  const cte = (headerValues(message, 'Content-Transfer-Encoding')[0] ?? '7bit').toLowerCase().trim();
  const charset = /charset\s*=\s*"?([^";\s]+)/.exec(type)?.[1] ?? 'us-ascii';
  const ascii = /^[\x20-\x7e\r\n\t]*$/.test(text);
  const plain = /^text\/plain\b/.test(type) && ['7bit', '8bit'].includes(cte) && (ascii || charset === 'utf-8');
  const hasBody = message.indexOf('\r\n\r\n') >= 0 || message.indexOf('\n\n') >= 0;
  if (plain && hasBody) {
    const sep = Buffer.from(`${text}\r\n\r\n----------\r\n\r\n`, 'utf8');
    return Buffer.concat([message.subarray(0, end), sep, message.subarray(end)]);
  }
  const head = message.subarray(0, end).toString('latin1');
  const body = message.subarray(end);
  const fields = headerFields(head);
  const content = fields.filter((f) => f.name.startsWith('content-'));
  const other = fields.filter((f) => !f.name.startsWith('content-') && f.name !== 'mime-version');
  const boundary = `=_mailhost_warning_${crypto.randomBytes(9).toString('hex')}`;
  const top =
    other.map((f) => f.raw).join('') +
    'MIME-Version: 1.0\r\n' +
    `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n` +
    'This is a multi-part message in MIME format.\r\n' +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: inline\r\n\r\n` +
    `${base64Lines(text)}\r\n` +
    `--${boundary}\r\n` +
    (content.length ? content.map((f) => f.raw).join('') : 'Content-Type: text/plain; charset=us-ascii\r\n') +
    '\r\n';
  const bodyEndsWithBreak = body.length === 0 || body[body.length - 1] === 0x0a;
  return Buffer.concat([Buffer.from(top, 'latin1'), body, Buffer.from(`${bodyEndsWithBreak ? '' : '\r\n'}--${boundary}--\r\n`, 'latin1')]);
}
