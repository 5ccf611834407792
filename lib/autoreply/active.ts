// Which autoreplies answer a message now: enabled, the activation window contains now,
// and the condition (always / subject contains / body contains) matches the decoded message.
import type { Db } from '../core';
import { listAutoreplies, type Autoreply } from './store';
import { toIso, windowContains } from './time';
import { matchForm } from './text';

export interface ActiveAutoreply extends Autoreply {
  mailbox_name: string; // the label shown in From
  language: string | null; // the mailbox's language (default subject)
}

/** The decoded message, as far as conditions need it; `body` may be computed lazily. */
export interface MessageContent {
  subject?: string;
  body?: string | (() => Promise<string> | string);
}

export function needsBody(autoreplies: Pick<Autoreply, 'condition'>[]): boolean {
  return autoreplies.some((a) => a.condition === 'body_contains');
}

export async function conditionMatches(ar: Pick<Autoreply, 'condition' | 'condition_text'>, content: MessageContent): Promise<boolean> {
  if (ar.condition === 'always') return true;
  const wanted = matchForm(ar.condition_text ?? '');
  if (!wanted) return false;
  if (ar.condition === 'subject_contains') return matchForm(content.subject ?? '').includes(wanted);
  if (ar.condition === 'body_contains') {
    const body = typeof content.body === 'function' ? await content.body() : content.body;
    return matchForm(body ?? '').includes(wanted);
  }
  return false;
}

/** Ids (and forward addresses) of the enabled autoreplies of these mailboxes in their window now: one indexed query. */
export async function activeIds(db: Db, mailboxIds: number[], now = new Date()): Promise<{ id: number; mailbox_id: number; forward_to: string | null; mailbox_name: string; language: string | null }[]> {
  if (!mailboxIds.length) return [];
  const nowIso = toIso(now);
  const rows = await db('autoreplies as a')
    .join('mailboxes as m', 'm.id', 'a.mailbox_id')
    .whereIn('a.mailbox_id', mailboxIds)
    .andWhere('a.enabled', true)
    .andWhere('m.active', true)
    .andWhere((q) => q.whereNull('a.starts_at').orWhere('a.starts_at', '<=', nowIso))
    .andWhere((q) => q.whereNull('a.ends_at').orWhere('a.ends_at', '>', nowIso))
    .select('a.id', 'a.mailbox_id', 'a.forward_to', 'm.name as mailbox_name', 'm.language');
  return rows.map((r) => ({
    id: Number(r.id),
    mailbox_id: Number(r.mailbox_id),
    forward_to: (r.forward_to as string | null) ?? null,
    mailbox_name: String(r.mailbox_name ?? ''),
    language: (r.language as string | null) ?? null,
  }));
}

/**
 * The enabled autoreplies of these mailboxes whose window contains `now` and, when the
 * message content is given, whose condition matches it. Inactive mailboxes never answer.
 */
export async function activeAutoreplies(db: Db, mailboxIds: number[], now = new Date(), content?: MessageContent): Promise<ActiveAutoreply[]> {
  const candidates = await activeIds(db, mailboxIds, now);
  if (!candidates.length) return [];
  const extra = new Map(candidates.map((r) => [r.id, { mailbox_name: r.mailbox_name, language: r.language }]));
  const rows = (await listAutoreplies(db, { mailboxIds: [...new Set(candidates.map((c) => c.mailbox_id))] })).filter((a) => extra.has(a.id) && windowContains(a.starts_at, a.ends_at, now));
  const found = rows.map((a) => ({ ...a, ...extra.get(a.id)! }));
  return content ? matching(found, content) : found;
}

/** The autoreplies whose condition matches the message; the body is decoded at most once. */
export async function matching<T extends Pick<Autoreply, 'condition' | 'condition_text'>>(autoreplies: T[], content: MessageContent): Promise<T[]> {
  let bodyCache: Promise<string> | undefined;
  const cached: MessageContent = {
    subject: content.subject,
    body: () => (bodyCache ??= Promise.resolve(typeof content.body === 'function' ? content.body() : (content.body ?? ''))),
  };
  const out: T[] = [];
  for (const a of autoreplies) if (await conditionMatches(a, cached)) out.push(a);
  return out;
}
