// The review queue: a mailbox owner's "not spam" report (a request to adjust the filter) or,
// on domains with release requests on, a request to release. Each is queued for the domain's
// client and the admins (who get a mail notice); the reviewer releases, allows the sender,
// teaches the filter "ham", dismisses, or refuses a release request (the owner is told).
import { type Db, conflict, invalid, isUniqueViolation, notFound } from '../core';
import { releaseHeld } from './actions';
import { flagFalsePositive, getQuarantined, fetchQuarantinedRaw, type Learner, type QuarantineRow } from './store';
import { ensureListEntry } from '../policy';
import { senderPattern } from './actions';

export const REVIEW_KINDS = ['not_spam', 'release'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];
export const REVIEW_DECISIONS = ['release', 'allow', 'learn', 'dismiss', 'refuse'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export interface ReviewRow {
  id: number;
  quarantine_id: number;
  mailbox_id: number;
  domain_id: number;
  kind: ReviewKind;
  status: string;
  note: string;
  created_ms: number;
}

function toReview(r: Record<string, unknown>): ReviewRow {
  return {
    id: Number(r.id),
    quarantine_id: Number(r.quarantine_id),
    mailbox_id: Number(r.mailbox_id),
    domain_id: Number(r.domain_id),
    kind: String(r.kind) as ReviewKind,
    status: String(r.status),
    note: String(r.note ?? ''),
    created_ms: Number(r.created_ms),
  };
}

/** Does this domain let its users only ask for releases? */
export async function releaseRequestsOn(db: Db, domainId: number): Promise<boolean> {
  const d = await db('domains').where({ id: domainId }).first('release_requests');
  return !!d?.release_requests;
}

/**
 * Queues a request about one held message (at most one open request of each kind per message:
 * asking twice gives the same request back). `created` tells whether it is new (notify then).
 */
export async function requestReview(
  db: Db,
  id: number,
  opts: { kind: ReviewKind; mailbox?: string | number; note?: string },
): Promise<{ review: ReviewRow; row: QuarantineRow; created: boolean }> {
  if (!REVIEW_KINDS.includes(opts.kind)) throw invalid('kind', 'a request is "not_spam" or "release"');
  const row = await getQuarantined(db, id, { mailbox: opts.mailbox });
  if (opts.kind === 'release' && row.released) throw conflict('id', 'this message has already been released');
  let created = true;
  try {
    await db('quarantine_reviews').insert({
      quarantine_id: row.id,
      mailbox_id: row.mailbox_id,
      domain_id: row.domain_id,
      kind: opts.kind,
      note: String(opts.note ?? '').slice(0, 500),
      created_ms: Date.now(),
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    created = false;
  }
  if (opts.kind === 'not_spam') await flagFalsePositive(db, row.id, { mailbox: opts.mailbox });
  const review = toReview(await db('quarantine_reviews').where({ quarantine_id: row.id, kind: opts.kind }).first());
  return { review, row, created };
}

export async function getReview(db: Db, reviewId: number): Promise<ReviewRow> {
  const r = await db('quarantine_reviews').where({ id: reviewId }).first();
  if (!r) throw notFound(`review request ${reviewId} does not exist`);
  return toReview(r);
}

/** Who reviews a domain's requests: its client's address and every active admin's (when they gave one). */
export async function reviewerAddresses(db: Db, domainId: number): Promise<{ email: string; language: string | null }[]> {
  const rows = await db('accounts')
    .where('active', true)
    .andWhere((w) => w.where('role', 'admin').orWhereIn('id', db('domains').select('client_id').where('id', domainId).whereNotNull('client_id')))
    .andWhere('email', '<>', '')
    .select('email', 'language');
  return rows.map((r: { email: string; language: string | null }) => ({ email: r.email, language: r.language }));
}

export interface DecideOptions {
  dataDir: string;
  /** who decided (audit), and whether an admin (may release a virus) */
  by: string;
  admin: boolean;
  /** lib/spam learn, for "learn" */
  learn?: Learner;
}

/**
 * Carries out a reviewer's decision on an open request, once (the request is claimed first):
 * release, allow the sender (and release), learn as ham (and release), dismiss, refuse.
 */
export async function decideReview(db: Db, reviewId: number, decision: ReviewDecision, opts: DecideOptions): Promise<ReviewRow> {
  if (!REVIEW_DECISIONS.includes(decision)) throw invalid('decision', 'unknown decision');
  const review = await getReview(db, reviewId);
  const claimed = await db('quarantine_reviews')
    .where({ id: reviewId, status: 'open' })
    .update({ status: decision === 'release' ? 'released' : decision === 'allow' ? 'allowed' : decision === 'learn' ? 'learned' : decision === 'dismiss' ? 'dismissed' : 'refused', decided_ms: Date.now(), decided_by: opts.by.slice(0, 190) });
  if (!claimed) throw conflict('id', 'this request has already been decided');
  try {
    const row = await getQuarantined(db, review.quarantine_id);
    if (decision === 'learn') {
      if (!opts.learn) throw invalid('decision', 'the filter cannot learn here');
      await flagFalsePositive(db, row.id, { learn: opts.learn });
    }
    if (decision === 'allow') {
      await ensureListEntry(db, { mailbox: row.mailbox_id, kind: 'allow', pattern: senderPattern(row, 'sender'), comment: `allowed on review of quarantine #${row.id}` });
    }
    if (decision !== 'dismiss' && decision !== 'refuse' && !row.released) await releaseHeld(db, row.id, { dataDir: opts.dataDir, admin: opts.admin });
  } catch (err) {
    await db('quarantine_reviews').where({ id: reviewId }).update({ status: 'open', decided_ms: null, decided_by: null });
    throw err;
  }
  return getReview(db, reviewId);
}

/** lib/spam forget: undoes what was learned from a message in a domain's scope. */
export type Forgetter = (db: Db, raw: Buffer, opts: { domainId: number }) => Promise<unknown>;

/**
 * A second thought on a request decided "learn": the filter forgets the lesson of its message
 * (the release stands). Once only: the request becomes "forgotten".
 */
export async function forgetReviewLesson(db: Db, reviewId: number, opts: { by: string; forget: Forgetter }): Promise<ReviewRow> {
  const review = await getReview(db, reviewId);
  const claimed = await db('quarantine_reviews').where({ id: reviewId, status: 'learned' }).update({ status: 'forgotten', decided_ms: Date.now(), decided_by: opts.by.slice(0, 190) });
  if (!claimed) throw conflict('id', 'nothing learned from this request is left to forget');
  try {
    const row = await getQuarantined(db, review.quarantine_id);
    await opts.forget(db, await fetchQuarantinedRaw(db, row.id), { domainId: row.domain_id });
  } catch (err) {
    await db('quarantine_reviews').where({ id: reviewId }).update({ status: 'learned' });
    throw err;
  }
  return getReview(db, reviewId);
}
