// A client's plan (ISPConfig "limits"): how many domains and mailboxes it may own and how
// much mailbox quota in all. Null means unlimited. The plan binds what the client owns
// whoever makes the change: the client in the admin pages, an admin there, or the operator
// of the CLI. An admin who wants to go beyond raises the limit first, so a client never owns
// more than its plan says (and the plan page tells the truth). Only growth is checked: a
// client over a lowered limit keeps what it has and may still shrink.
//
// Quota: the sum of its mailboxes' quotas. With a quota limit, an unlimited mailbox (quota 0)
// would escape it, so it is refused.
//
// Two changes at the very same moment must not both take the last free place: the caller runs
// the check and its write in one planTransaction(), and each check starts by locking the
// client's accounts row with a no-op UPDATE (a row lock on MariaDB; SQLite has one write lock
// for the whole database, which planTransaction takes first). The second change waits there
// until the first is committed, then counts it. Called outside a transaction the check still
// works, without that guarantee.
import type { Knex } from 'knex';
import { type Db, invalid, notFound, tryParseAddress } from '../core';
import { getDomain } from '../directory';
import type { Principal } from './accounts';

export interface ClientLimits {
  maxDomains: number | null;
  maxMailboxes: number | null;
  maxQuotaMb: number | null;
}

export interface ClientUsage {
  domains: number;
  mailboxes: number;
  /** sum of the quotas of its mailboxes that have one */
  quotaMb: number;
  /** its mailboxes without quota (0 = unlimited) */
  unlimitedMailboxes: number;
}

const COLUMNS: Record<keyof ClientLimits, string> = { maxDomains: 'max_domains', maxMailboxes: 'max_mailboxes', maxQuotaMb: 'max_quota_mb' };
export const LIMIT_MAX = 1_000_000_000;

const orNull = (v: unknown): number | null => (v == null ? null : Number(v));

/** A limit as typed: empty, "unlimited" or "none" = no limit, else a whole number >= 0. */
export function requireLimit(input: unknown, field: string): number | null {
  if (input === null || input === undefined) return null;
  const s = String(input).trim().toLowerCase();
  if (s === '' || s === 'unlimited' || s === 'none') return null;
  if (!/^\d+$/.test(s) || Number(s) > LIMIT_MAX) throw invalid(field, 'a limit must be a whole number (empty = unlimited)');
  return Number(s);
}

async function client(db: Db, clientId: number): Promise<Record<string, unknown>> {
  const row = await db('accounts').where({ id: clientId }).first();
  if (!row) throw notFound(`account ${clientId} does not exist`);
  if (row.role !== 'client') throw invalid('client', `${row.username} is an ${row.role} account: limits are set on clients`);
  return row;
}

export async function clientLimits(db: Db, clientId: number): Promise<ClientLimits> {
  const row = await client(db, clientId);
  return { maxDomains: orNull(row.max_domains), maxMailboxes: orNull(row.max_mailboxes), maxQuotaMb: orNull(row.max_quota_mb) };
}

/** Sets the limits given (undefined: unchanged; empty or null: unlimited). */
export async function setClientLimits(db: Db, clientId: number, patch: Partial<Record<keyof ClientLimits, unknown>>): Promise<ClientLimits> {
  await client(db, clientId);
  const set: Record<string, number | null> = {};
  for (const [key, column] of Object.entries(COLUMNS) as [keyof ClientLimits, string][]) {
    if (patch[key] !== undefined) set[column] = requireLimit(patch[key], column);
  }
  if (Object.keys(set).length) await db('accounts').where({ id: clientId }).update(set);
  return clientLimits(db, clientId);
}

/** What mailboxes in these domains hold (count, quota, unlimited ones). */
async function mailboxTotals(db: Db, domainIds: Knex.QueryBuilder): Promise<Omit<ClientUsage, 'domains'>> {
  const [row] = await db('mailboxes').whereIn('domain_id', domainIds).select(
    db.raw('COUNT(*) AS n'),
    db.raw('COALESCE(SUM(quota_mb), 0) AS quota'),
    db.raw('COALESCE(SUM(CASE WHEN quota_mb = 0 THEN 1 ELSE 0 END), 0) AS unlimited'),
  );
  return { mailboxes: Number(row.n), quotaMb: Number(row.quota), unlimitedMailboxes: Number(row.unlimited) };
}

export async function clientUsage(db: Db, clientId: number): Promise<ClientUsage> {
  const [{ n }] = await db('domains').where({ client_id: clientId }).count({ n: '*' });
  return { domains: Number(n), ...(await mailboxTotals(db, db('domains').where({ client_id: clientId }).select('id'))) };
}

/** What a change adds to a client's usage. */
interface Growth {
  domains?: number;
  mailboxes?: number;
  quotaMb?: number;
  /** mailboxes without quota it adds */
  unlimited?: number;
}

/** Whose plan, as the refusal says it: "your plan" to the client itself. */
function whose(row: Record<string, unknown>, by: Principal | null): string {
  return by?.role === 'client' && by.id === Number(row.id) ? 'your plan' : `the plan of client ${row.username}`;
}

/**
 * The first statement of each check: locks the client's accounts row (see the header), given by
 * id or by a query that selects it (null: no row, a no-op write). First, so that on MariaDB what
 * the check reads is read once the lock is held (InnoDB takes its snapshot at the first read).
 */
async function lockClient(db: Db, clientId: number | null | Knex.QueryBuilder): Promise<void> {
  await db('accounts').where('id', clientId).update({ role: db.ref('role') });
}

/**
 * One transaction for a change a client's plan may refuse: `work` runs the check, then the write
 * (see the header). It starts with a no-op write so that on SQLite it holds the write lock before
 * it reads anything (a transaction that has read may fail to start writing when another process
 * wrote meanwhile).
 */
export function planTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await lockClient(trx, null);
    return work(trx);
  });
}

/** Refuses a change that would take the client beyond its plan; `fields` name the form field at fault. */
async function withinPlan(db: Db, clientId: number | null, add: Growth, by: Principal | null, fields: { count: string; quota: string }): Promise<void> {
  if (clientId == null) return; // domains without a client have no plan
  const row = await client(db, clientId);
  const limits = { maxDomains: orNull(row.max_domains), maxMailboxes: orNull(row.max_mailboxes), maxQuotaMb: orNull(row.max_quota_mb) };
  if (limits.maxDomains == null && limits.maxMailboxes == null && limits.maxQuotaMb == null) return;
  const use = await clientUsage(db, clientId);
  const plan = whose(row, by);
  if (add.domains && limits.maxDomains != null && use.domains + add.domains > limits.maxDomains) {
    throw invalid(fields.count, `${plan} allows ${limits.maxDomains} domains (${use.domains} in use)`);
  }
  if (add.mailboxes && limits.maxMailboxes != null && use.mailboxes + add.mailboxes > limits.maxMailboxes) {
    throw invalid(fields.count, `${plan} allows ${limits.maxMailboxes} mailboxes (${use.mailboxes} in use)`);
  }
  if (limits.maxQuotaMb == null) return;
  if (add.unlimited) throw invalid(fields.quota, `${plan} allows ${limits.maxQuotaMb} MB of mailbox quota in all: every mailbox needs a quota (0 = unlimited is not in it)`);
  if (add.quotaMb && use.quotaMb + add.quotaMb > limits.maxQuotaMb) {
    throw invalid(fields.quota, `${plan} allows ${limits.maxQuotaMb} MB of mailbox quota in all (${use.quotaMb} MB given)`);
  }
}

async function domainOwner(db: Db, domainId: number): Promise<number | null> {
  const d = await db('domains').where({ id: domainId }).first('client_id');
  if (!d) throw notFound(`domain ${domainId} does not exist`);
  return orNull(d.client_id);
}

/** Before a client gets a new domain (created for it). */
export async function checkNewDomain(db: Db, clientId: number | null, by: Principal | null = null): Promise<void> {
  await lockClient(db, clientId);
  await withinPlan(db, clientId, { domains: 1 }, by, { count: 'name', quota: 'name' });
}

/** Before a domain is given to a client: the domain, its mailboxes and their quotas join the client's. */
export async function checkDomainOwner(db: Db, domainId: number, clientId: number | null, by: Principal | null = null): Promise<void> {
  if (clientId == null) return;
  await lockClient(db, clientId);
  if ((await domainOwner(db, domainId)) === clientId) return;
  const t = await mailboxTotals(db, db('domains').where({ id: domainId }).select('id'));
  await withinPlan(db, clientId, { domains: 1, mailboxes: t.mailboxes, quotaMb: t.quotaMb, unlimited: t.unlimitedMailboxes }, by, { count: 'client_id', quota: 'client_id' });
}

/**
 * Before a mailbox is created at this address; quotaMb undefined = its domain's default. A
 * malformed address or a domain not hosted is left to createMailbox to refuse in its words.
 */
export async function checkNewMailbox(db: Db, address: string, quotaMb: number | undefined, by: Principal | null = null): Promise<void> {
  const parsed = tryParseAddress(address);
  if (parsed) await lockClient(db, db('domains').where({ name: parsed.domain }).select('client_id'));
  const d = parsed ? await getDomain(db, parsed.domain).catch(() => null) : null;
  if (!d) return;
  const quota = quotaMb ?? d.default_quota_mb;
  await withinPlan(db, d.client_id ?? null, { mailboxes: 1, quotaMb: quota, unlimited: quota === 0 ? 1 : 0 }, by, { count: 'address', quota: 'quota_mb' });
}

/** Before a mailbox's quota changes: only a raise (or a switch to unlimited) is checked. */
export async function checkQuotaChange(db: Db, mailboxId: number, quotaMb: number, by: Principal | null = null): Promise<void> {
  const ofMailbox = () => db('mailboxes').join('domains', 'domains.id', 'mailboxes.domain_id').where('mailboxes.id', mailboxId);
  await lockClient(db, ofMailbox().select('domains.client_id'));
  const mb = await ofMailbox().first('mailboxes.quota_mb', 'domains.client_id');
  if (!mb) throw notFound(`mailbox ${mailboxId} does not exist`);
  const before = Number(mb.quota_mb);
  if (quotaMb === before) return;
  if (quotaMb === 0) return withinPlan(db, orNull(mb.client_id), { unlimited: 1 }, by, { count: 'quota_mb', quota: 'quota_mb' });
  // from unlimited to a quota: the whole quota is new to the total
  if (quotaMb > before) await withinPlan(db, orNull(mb.client_id), { quotaMb: quotaMb - before }, by, { count: 'quota_mb', quota: 'quota_mb' });
}
