// The warning mail at 90 % of the quota: sent once when deliveries take a mailbox over the
// threshold, and again only after the mailbox was seen below it (re-armed). The counter
// (used_bytes) never sees mail a client deleted, so a crossing is confirmed by a recount of
// the Maildir before anyone is warned; a recount that finds the mailbox below the threshold
// (here or before a "mailbox full" refusal) re-arms the warning.
import type { Db } from '../core';
import { setUsage, unwrittenUsage, readBesideWrites } from '../directory';
import { maildirPath } from './maildir';
import { recalculateMaildirSize } from './maildirsize';

export const QUOTA_WARNING_RATIO = 0.9;

export type QuotaWarningStep = 'warn' | 'rearm' | 'none';

export interface QuotaState {
  quotaMb: number; // 0 = no quota
  usedBytes: number;
  warned: boolean; // the warning of the current crossing was sent
}

/** Whether `usedBytes` is at or over the warning threshold of a quota (never, without a quota). */
export function nearlyFull(quotaMb: number, usedBytes: number): boolean {
  return quotaMb > 0 && usedBytes >= quotaMb * 1024 * 1024 * QUOTA_WARNING_RATIO;
}

/** What the warning state of a mailbox whose usage is known to be `usedBytes` calls for. */
export function quotaWarningStep(s: QuotaState): QuotaWarningStep {
  const over = nearlyFull(s.quotaMb, s.usedBytes);
  if (over && !s.warned) return 'warn';
  if (!over && s.warned) return 'rearm';
  return 'none';
}

/** Clears the warned flag (a recount or a new quota found the mailbox below the threshold). */
export async function rearmQuotaWarning(db: Db, mailboxId: number): Promise<void> {
  await db('mailboxes').where({ id: mailboxId, quota_warned: 1 }).update({ quota_warned: 0 });
}

export interface QuotaWarning {
  mailboxId: number;
  address: string;
  language: string | null;
  quotaMb: number;
  usedBytes: number;
}

/**
 * After a delivery to a mailbox: the warning to send, or null. Counts the Maildir when the
 * counter says the threshold is reached, and claims the warning with one conditional UPDATE,
 * so concurrent deliveries (on any node) send it once.
 */
export async function claimQuotaWarning(db: Db, dataDir: string, mailboxId: number): Promise<QuotaWarning | null> {
  // plus what this process delivered and has not written yet (usage is written behind deliveries)
  const read = await readBesideWrites(db, async () => {
    const r = await db('mailboxes').where({ id: mailboxId }).first('id', 'address', 'language', 'quota_mb', 'used_bytes', 'quota_warned');
    return r && { row: r, usedBytes: Number(r.used_bytes ?? 0) + unwrittenUsage(db, mailboxId) };
  });
  if (!read) return null;
  const { row } = read;
  const quotaMb = Number(row.quota_mb ?? 0);
  const state: QuotaState = { quotaMb, usedBytes: read.usedBytes, warned: !!Number(row.quota_warned) };
  const byCounter = quotaWarningStep(state);
  if (byCounter === 'rearm') await rearmQuotaWarning(db, mailboxId); // e.g. the quota was raised
  if (byCounter !== 'warn') return null;
  const counted = await recalculateMaildirSize(maildirPath(dataDir, String(row.address)), quotaMb * 1024 * 1024);
  await setUsage(db, mailboxId, counted.bytes);
  if (quotaWarningStep({ ...state, usedBytes: counted.bytes }) !== 'warn') return null;
  const claimed = await db('mailboxes').where({ id: mailboxId, quota_warned: 0 }).update({ quota_warned: 1 });
  if (!claimed) return null;
  return { mailboxId, address: String(row.address), language: (row.language as string | null) ?? null, quotaMb, usedBytes: counted.bytes };
}
