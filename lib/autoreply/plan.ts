// What the autoreply plugin does for one accepted message, as plain functions over the
// notes of lib/notes.ts: which replies to send (once per autoresponder, whatever path
// reached the mailbox) and which away-forwards to add before delivery.
import { type Db, tryParseAddress } from '../core';
import { finalTargets, type MailhostNotes, type FinalTarget } from '../delivery';
import { activeAutoreplies, activeIds, matching, type ActiveAutoreply } from './active';
import { shouldSuppress, replyRecipient, fateCategory, type SuppressReason } from './suppress';
import { claimReplySlot } from './memory';
import { buildReply, type BuiltReply } from './compose';
import { attachmentContents } from './store';
import { readOriginal, type OriginalInfo } from './original';
import { resolveRecipient, sqlDirectory } from '../directory';

export interface PlannedReply {
  autoreplyId: number;
  mailbox: string;
  to: string;
  reply: BuiltReply;
}

export interface SkippedReply {
  mailbox: string;
  autoreplyId?: number;
  reason: SuppressReason | 'limit' | 'no_recipient';
}

export interface PlanResult {
  replies: PlannedReply[];
  skipped: SkippedReply[];
}

export interface PlanInput {
  db: Db;
  notes: MailhostNotes;
  mailFrom: string; // envelope sender, '' for <>
  message: Buffer; // the message as received
  now?: Date;
  released?: boolean; // being released from quarantine
}

/**
 * This recipient's category from the spam step, if it left one: its fate (an explicit
 * `category`, or the "spam: ..." head of its reason), a per-target entry of the verdict
 * (`verdict.targets[key]`), else the message's category.
 */
export function recipientVerdict(notes: MailhostNotes, key: string): string | null {
  const own = fateCategory(notes.fates?.[key]);
  if (own) return own;
  const v = notes.verdict as { category?: unknown; targets?: Record<string, { category?: unknown }> } | string | undefined | null;
  if (!v) return null;
  if (typeof v === 'string') return v;
  const per = v.targets?.[key]?.category;
  if (per) return String(per);
  return v.category ? String(v.category) : null;
}

/** Whether the message is a quarantine release (the quarantine step marks its notes). */
export function isRelease(notes: MailhostNotes): boolean {
  return !!(notes as { released?: unknown }).released;
}

function localTargets(notes: MailhostNotes): (FinalTarget & { target: { kind: 'local' } })[] {
  return finalTargets(notes).filter((t): t is FinalTarget & { target: { kind: 'local' } } => t.target.kind === 'local');
}

function ownAddresses(t: FinalTarget, senderReaches: Set<number>, sender: string): string[] {
  const own = [...t.rcpts, ...t.target.via];
  // a sender address of ours that delivers to this very mailbox (its alias...) is the mailbox itself
  if (t.target.kind === 'local' && senderReaches.has(t.target.mailbox.id)) own.push(sender);
  return [...new Set(own)];
}

/** The local mailboxes the envelope sender's address delivers to, when it is one of our addresses. */
async function mailboxesOfSender(db: Db, mailFrom: string): Promise<Set<number>> {
  const out = new Set<number>();
  if (!tryParseAddress(mailFrom)) return out;
  const r = await resolveRecipient(sqlDirectory(db), mailFrom);
  if (r.status === 'local') for (const t of r.targets) if (t.kind === 'local') out.add(t.mailbox.id);
  return out;
}

/** True when some final local target has an enabled autoreply in its window now (one query). */
export async function anyActive(db: Db, notes: MailhostNotes, now = new Date(), opts: { forwarding?: boolean } = {}): Promise<boolean> {
  const ids = localTargets(notes).map((t) => (t.target.kind === 'local' ? t.target.mailbox.id : -1));
  if (!ids.length) return false;
  if (notes.away && !notes.away.length && !opts.forwarding) return false; // nobody was away at DATA
  const active = await activeIds(db, ids, now);
  return opts.forwarding ? active.some((a) => a.forward_to) : active.length > 0;
}

export async function planReplies(input: PlanInput): Promise<PlanResult> {
  const { db, notes } = input;
  const now = input.now ?? new Date();
  const result: PlanResult = { replies: [], skipped: [] };
  const targets = localTargets(notes);
  if (!targets.length) return result;
  const ids = targets.map((t) => (t.target.kind === 'local' ? t.target.mailbox.id : -1));
  // cheap first: anything configured and in its window at all?
  const candidates = await activeAutoreplies(db, ids, now);
  if (!candidates.length) return result;
  const original = await readOriginal(input.message);
  const active = await matching(candidates, { subject: original.subject, body: original.body });
  const released = input.released ?? isRelease(notes);
  const senderReaches = await mailboxesOfSender(db, input.mailFrom);

  for (const t of targets) {
    if (t.target.kind !== 'local') continue;
    const mailbox = t.target.mailbox;
    const mine = active.filter((a) => a.mailbox_id === mailbox.id);
    if (!mine.length) continue;
    const ctx = { mailbox: mailbox.address, addresses: ownAddresses(t, senderReaches, input.mailFrom), fate: notes.fates?.[t.key], verdict: recipientVerdict(notes, t.key), released };
    const reason = shouldSuppress(original.header, { mailFrom: input.mailFrom }, ctx);
    if (reason) {
      for (const a of mine) result.skipped.push({ mailbox: mailbox.address, autoreplyId: a.id, reason });
      continue;
    }
    const to = replyRecipient(original.header, { mailFrom: input.mailFrom }, ctx);
    if (!to) {
      for (const a of mine) result.skipped.push({ mailbox: mailbox.address, autoreplyId: a.id, reason: 'no_recipient' });
      continue;
    }
    for (const a of mine) {
      if (!(await claimReplySlot(db, a, to, now))) {
        result.skipped.push({ mailbox: mailbox.address, autoreplyId: a.id, reason: 'limit' });
        continue;
      }
      result.replies.push({ autoreplyId: a.id, mailbox: mailbox.address, to, reply: await composeFor(db, a, to, original, now) });
    }
  }
  return result;
}

async function composeFor(db: Db, a: ActiveAutoreply, to: string, original: OriginalInfo, now: Date): Promise<BuiltReply> {
  return buildReply({
    autoreply: a,
    mailbox: { address: a.mailbox, name: a.mailbox_name, language: a.language },
    to,
    original: { subject: original.subject, messageId: original.messageId, references: original.references },
    attachments: a.attachments.length ? await attachmentContents(db, a.id) : [],
    now,
  });
}

export interface AwayForward {
  mailbox: string;
  autoreplyId: number;
  forwardTo: string;
}

/**
 * Plesk's "forward incoming mail while away": for each local target whose copy goes to the
 * inbox (not spam, not virus), every active autoreply with a forward address whose
 * condition matches adds that address as an external target of the same recipient, so the
 * delivery step forwards it durably (SRS, Delivered-To) with the rest. Addresses already in
 * the message's Delivered-To are skipped (loop). Mutates and returns the notes' additions.
 */
export async function addAwayForwards(
  db: Db,
  notes: MailhostNotes,
  message: Buffer | (() => Promise<Buffer>),
  now = new Date(),
  deliveredTo: string[] = [],
): Promise<AwayForward[]> {
  const targets = localTargets(notes);
  if (!targets.length) return [];
  // resolution read how many autoresponders each mailbox has: none anywhere, nobody is away
  if (targets.every((t) => t.target.kind === 'local' && t.target.mailbox.autoreplies === 0)) {
    notes.away = [];
    return [];
  }
  const ids = targets.map((t) => (t.target.kind === 'local' ? t.target.mailbox.id : -1));
  const away = await activeIds(db, ids, now);
  notes.away = [...new Set(away.map((a) => a.mailbox_id))]; // spares queue_ok the same query
  if (!away.some((a) => a.forward_to)) return [];
  const candidates = (await activeAutoreplies(db, ids, now)).filter((a) => a.forward_to);
  if (!candidates.length) return [];
  const original = await readOriginal(Buffer.isBuffer(message) ? message : await message());
  const active = await matching(candidates, { subject: original.subject, body: original.body });
  const seen = new Set(deliveredTo.map((d) => d.trim().replace(/^<|>$/g, '').toLowerCase()));
  const existing = new Set(finalTargets(notes).map((t) => t.key));
  const added: AwayForward[] = [];
  for (const t of targets) {
    if (t.target.kind !== 'local') continue;
    const mailbox = t.target.mailbox;
    const fate = notes.fates?.[t.key];
    const verdict = String(recipientVerdict(notes, t.key) ?? '').toLowerCase();
    if ((fate && fate.action !== 'inbox') || fate?.subjectTag || verdict === 'spam' || verdict === 'virus') continue;
    for (const a of active.filter((x) => x.mailbox_id === mailbox.id)) {
      const to = a.forward_to!;
      const key = `E:${to}`;
      if (existing.has(key) || seen.has(to) || to === mailbox.address) continue;
      const note = notes.recipients.find((r) => r.targets.some((x) => x.kind === 'local' && x.mailbox.id === mailbox.id));
      if (!note) continue;
      note.targets.push({ kind: 'external', address: to, via: [...t.target.via] });
      existing.add(key);
      added.push({ mailbox: mailbox.address, autoreplyId: a.id, forwardTo: to });
    }
  }
  return added;
}
