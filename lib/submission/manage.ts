// What admins, clients and the CLI change about sending: a mailbox's suspension (set or lifted
// by hand) and the limit overrides of a domain or a mailbox, named by address or domain name.
import { type Db, invalid } from '../core';
import { getMailbox, getDomain } from '../directory';
import { setSendingLimits, sendingLimitOverrides, suspendSending, liftSuspension, sendingSuspension, type Suspension } from './limits';

export type SendingState = 'suspended' | 'ok';

/** Suspends (for `hours`) or lifts the suspension of a mailbox's sending; returns the new suspension or null. */
export async function setSendingState(db: Db, address: string, state: SendingState, hours: number, now = Date.now()): Promise<Suspension | null> {
  const mb = await getMailbox(db, address);
  if (state === 'ok') {
    await liftSuspension(db, mb.id);
    return null;
  }
  if (state !== 'suspended') throw invalid('sending', 'sending is "suspended" or "ok"');
  return suspendSending(db, mb.id, hours, 'suspended by an administrator', now);
}

/** The current suspension of a mailbox (by address), or null. */
export async function mailboxSuspension(db: Db, address: string, now = Date.now()): Promise<Suspension | null> {
  return sendingSuspension(db, (await getMailbox(db, address)).id, now);
}

/** "default" (or "") clears an override; otherwise a whole number >= 0. undefined: unchanged. */
export function parseLimit(value: string | undefined, field: string): number | null | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'default') return null;
  if (!/^\d{1,9}$/.test(v)) throw invalid(field, `${field} must be a whole number or "default"`);
  return Number(v);
}

/** Sets the limit overrides of a mailbox (an address) or a domain (a name); null clears one. */
export async function setLimitsFor(db: Db, target: string, limits: { perHour?: number | null; rcptPerDay?: number | null }): Promise<void> {
  const scope = target.includes('@') ? 'mailbox' : 'domain';
  const id = scope === 'mailbox' ? (await getMailbox(db, target)).id : (await getDomain(db, target)).id;
  const current = await sendingLimitOverrides(db, scope, id);
  await setSendingLimits(db, scope, id, {
    perHour: limits.perHour === undefined ? current.perHour : limits.perHour,
    rcptPerDay: limits.rcptPerDay === undefined ? current.rcptPerDay : limits.rcptPerDay,
  });
}
