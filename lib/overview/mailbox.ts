// The overview of one mailbox for its owner's home page: services, reaching addresses, quota
// and the last 7 days' statistics. Read-only; each part is one or two indexed queries.
import { type Db, notFound } from '../core';
import { activeIds, listAutoreplies } from '../autoreply';
import { effectivePolicies, type SpamAction, type VirusAction } from '../policy';
import { readDailyStats, type DailyStats } from '../stats';
import { splitTargets } from '../directory';
import { addressesReaching, type ReachingAddress } from './addresses';

export interface QuotaUse {
  usedBytes: number;
  /** 0 = no limit */
  limitBytes: number;
  /** whole percent of the limit (may pass 100); null without a limit */
  percent: number | null;
}

export interface MailboxOverview {
  id: number;
  address: string;
  name: string;
  domain: string;
  services: {
    mailbox: boolean;
    /** where a redirect sends the mail; empty = none */
    redirect: string[];
    keepCopy: boolean;
    /** an autoresponder answers now / one is on but outside its dates / none is on */
    autoresponder: 'active' | 'scheduled' | 'off';
    spam: { action: SpamAction; threshold: number; own: boolean };
    antivirus: { on: boolean; action: VirusAction };
  };
  addresses: ReachingAddress[];
  quota: QuotaUse;
  stats: DailyStats[];
}

export function quotaUse(quotaMb: number, usedBytes: number): QuotaUse {
  const limitBytes = quotaMb > 0 ? quotaMb * 1024 * 1024 : 0;
  return { usedBytes, limitBytes, percent: limitBytes ? Math.floor((usedBytes / limitBytes) * 100) : null };
}

export async function mailboxOverview(db: Db, mailboxId: number, opts: { days?: number; now?: Date } = {}): Promise<MailboxOverview> {
  const row = await db('mailboxes as m').join('domains as d', 'd.id', 'm.domain_id').where('m.id', mailboxId).first('m.*', 'd.name as domain', 'd.active as domain_active');
  if (!row) throw notFound(`mailbox ${mailboxId} does not exist`);
  const now = opts.now ?? new Date();
  const [autoreplies, active, [policy], addresses, stats] = await Promise.all([
    listAutoreplies(db, { mailboxIds: [mailboxId] }),
    activeIds(db, [mailboxId], now),
    effectivePolicies(db, [{ mailboxId }]),
    addressesReaching(db, String(row.address)),
    readDailyStats(db, { mailboxId, days: opts.days ?? 7, now: now.getTime() }),
  ]);
  return {
    id: mailboxId,
    address: String(row.address),
    name: String(row.name ?? ''),
    domain: String(row.domain),
    services: {
      mailbox: !!Number(row.active) && !!Number(row.domain_active),
      redirect: splitTargets(row.redirect_to as string | null),
      keepCopy: !!Number(row.keep_copy),
      autoresponder: active.length ? 'active' : autoreplies.some((a) => a.enabled) ? 'scheduled' : 'off',
      spam: { action: policy.policy.action, threshold: policy.policy.threshold, own: policy.source === 'mailbox' },
      antivirus: { on: policy.policy.antivirus, action: policy.policy.virus_action },
    },
    addresses,
    quota: quotaUse(Number(row.quota_mb ?? 0), Number(row.used_bytes ?? 0)),
    stats,
  };
}
