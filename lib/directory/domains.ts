// Domains and domain aliases. Every domain gets its undeletable postmaster@ and abuse@ aliases
// on creation (RFC 2142 role addresses).
import { type Db, bumpGeneration, normalizeDomain, displayDomain, domainSortKey, addressSortKey, MailhostError, invalid, notFound, conflict, isUniqueViolation } from '../core';

export interface DomainRow {
  id: number;
  name: string;
  client_id: number | null;
  active: boolean;
  default_quota_mb: number;
  spam_policy_id: number | null;
  /** its mailboxes may turn spam filtering off (lib/policy switches) */
  allow_no_spam_filter: boolean;
  /** its mailboxes cannot turn the virus check off (lib/policy switches) */
  force_antivirus: boolean;
}

export interface DomainInput {
  name: string;
  clientId?: number | null;
  active?: boolean;
  defaultQuotaMb?: number;
  spamPolicyId?: number | null;
}

export function toDomain(row: Record<string, unknown>): DomainRow {
  return {
    id: Number(row.id),
    name: String(row.name),
    client_id: row.client_id == null ? null : Number(row.client_id),
    active: !!row.active,
    default_quota_mb: Number(row.default_quota_mb ?? 0),
    spam_policy_id: row.spam_policy_id == null ? null : Number(row.spam_policy_id),
    allow_no_spam_filter: row.allow_no_spam_filter == null ? true : !!Number(row.allow_no_spam_filter),
    force_antivirus: !!Number(row.force_antivirus ?? 0),
  };
}

export function requireDomainName(input: string, field = 'name'): string {
  const name = normalizeDomain(String(input ?? ''));
  if (!name) throw invalid(field, `invalid domain name "${input}"`);
  return name;
}

export function quotaMb(value: unknown, field = 'quota_mb'): number {
  const n = Number(value);
  if (value === '' || value == null || !Number.isInteger(n) || n < 0 || n > 10_000_000) {
    throw invalid(field, 'quota must be a whole number of MB (0 = unlimited)');
  }
  return n;
}

/** A name is taken when it is a domain or a domain alias already. */
async function assertNameFree(db: Db, name: string, field: string): Promise<void> {
  const [d, a] = await Promise.all([
    db('domains').where({ name }).first('id'),
    db('domain_aliases').where({ name }).first('id'),
  ]);
  if (d || a) throw conflict(field, `${displayDomain(name)} already exists`);
}

/**
 * The role addresses every domain has (RFC 2142): aliases of kind 'postmaster' that route to
 * their targets, else to MAILHOST_POSTMASTER, else to the domain's first mailbox; never deleted.
 */
export const ROLE_LOCAL_PARTS = ['postmaster', 'abuse'];

export async function createDomain(db: Db, input: DomainInput): Promise<DomainRow> {
  const name = requireDomainName(input.name);
  const quota = input.defaultQuotaMb === undefined ? 0 : quotaMb(input.defaultQuotaMb, 'default_quota_mb');
  await assertNameFree(db, name, 'name');
  try {
    return await db.transaction(async (trx) => {
      const [id] = await trx('domains').insert({
        name,
        sort_key: domainSortKey(name),
        client_id: input.clientId ?? null,
        active: input.active ?? true,
        default_quota_mb: quota,
        spam_policy_id: input.spamPolicyId ?? null,
      });
      const domainId = Number(id);
      // postmaster@ and abuse@ with no targets route to MAILHOST_POSTMASTER or the domain's first mailbox
      await trx('aliases').insert(ROLE_LOCAL_PARTS.map((local) => ({ domain_id: domainId, local_part: local, address: `${local}@${name}`, sort_key: addressSortKey(`${local}@${name}`), kind: 'postmaster' })));
      await bumpGeneration(trx);
      return toDomain(await trx('domains').where({ id: domainId }).first());
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('name', `${displayDomain(name)} already exists`);
    throw err;
  }
}

export async function getDomain(db: Db, nameOrId: string | number): Promise<DomainRow> {
  const row =
    typeof nameOrId === 'number'
      ? await db('domains').where({ id: nameOrId }).first()
      : await db('domains').where({ name: requireDomainName(nameOrId, 'domain') }).first();
  if (!row) throw notFound(`domain ${nameOrId} does not exist`);
  return toDomain(row);
}

export async function updateDomain(db: Db, id: number, patch: Partial<DomainInput>): Promise<DomainRow> {
  const set: Record<string, unknown> = { updated_at: db.fn.now() };
  if (patch.active !== undefined) set.active = patch.active;
  if (patch.defaultQuotaMb !== undefined) set.default_quota_mb = quotaMb(patch.defaultQuotaMb, 'default_quota_mb');
  if (patch.clientId !== undefined) set.client_id = patch.clientId;
  if (patch.spamPolicyId !== undefined) set.spam_policy_id = patch.spamPolicyId;
  if (patch.name !== undefined) throw invalid('name', 'a domain cannot be renamed');
  const n = await db('domains').where({ id }).update(set);
  if (!n) throw notFound(`domain ${id} does not exist`);
  await bumpGeneration(db);
  return getDomain(db, id);
}

export async function deleteDomain(db: Db, nameOrId: string | number): Promise<void> {
  const domain = await getDomain(db, nameOrId);
  // cascades remove mailboxes, aliases, domain aliases; Maildirs stay on disk for the operator
  await db('domains').where({ id: domain.id }).delete();
  await bumpGeneration(db);
}

export interface ListOptions {
  search?: string;
  clientId?: number | null;
  limit?: number;
  offset?: number;
}

export async function listDomains(db: Db, opts: ListOptions = {}): Promise<DomainRow[]> {
  // as people read the names (lib/core sortKey), the IDNA name for equal keys
  const q = db('domains').orderBy([{ column: 'sort_key' }, { column: 'name' }]);
  if (opts.clientId != null) q.where({ client_id: opts.clientId });
  if (opts.search) q.where('name', 'like', `%${opts.search.toLowerCase()}%`);
  if (opts.limit) q.limit(opts.limit).offset(opts.offset ?? 0);
  return (await q).map(toDomain);
}

export interface DomainAliasRow { id: number; name: string; domain_id: number; domain: string; active: boolean }

export async function createDomainAlias(db: Db, aliasName: string, targetDomain: string): Promise<DomainAliasRow> {
  const name = requireDomainName(aliasName, 'name');
  const target = await getDomain(db, requireDomainName(targetDomain, 'domain'));
  await assertNameFree(db, name, 'name');
  try {
    const [id] = await db('domain_aliases').insert({ name, sort_key: domainSortKey(name), domain_id: target.id, active: true });
    await bumpGeneration(db);
    return { id: Number(id), name, domain_id: target.id, domain: target.name, active: true };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('name', `${displayDomain(name)} already exists`);
    throw err;
  }
}

export async function listDomainAliases(db: Db, domain?: string): Promise<DomainAliasRow[]> {
  const q = db('domain_aliases as da').join('domains as d', 'd.id', 'da.domain_id').select('da.id', 'da.name', 'da.domain_id', 'd.name as domain', 'da.active').orderBy(['da.sort_key', 'da.name']);
  if (domain) q.where('da.domain_id', (await getDomain(db, domain)).id); // an unknown domain is an error, not an empty list
  return (await q).map((r: Record<string, unknown>) => ({ id: Number(r.id), name: String(r.name), domain_id: Number(r.domain_id), domain: String(r.domain), active: !!r.active }));
}

export async function deleteDomainAlias(db: Db, aliasName: string): Promise<void> {
  const n = await db('domain_aliases').where({ name: requireDomainName(aliasName) }).delete();
  if (!n) throw notFound(`domain alias ${aliasName} does not exist`);
  await bumpGeneration(db);
}

export { MailhostError };

export async function getDomainAlias(db: Db, id: number): Promise<DomainAliasRow> {
  const r = await db('domain_aliases as da').join('domains as d', 'd.id', 'da.domain_id').where('da.id', id).first('da.id', 'da.name', 'da.domain_id', 'd.name as domain', 'da.active');
  if (!r) throw notFound(`domain alias ${id} does not exist`);
  return { id: Number(r.id), name: String(r.name), domain_id: Number(r.domain_id), domain: String(r.domain), active: !!r.active };
}

/** Points a domain alias at another domain and/or switches it on or off (the name itself is fixed). */
export async function updateDomainAlias(db: Db, id: number, patch: { domainId?: number; active?: boolean }): Promise<DomainAliasRow> {
  await getDomainAlias(db, id);
  const set: Record<string, unknown> = {};
  if (patch.domainId !== undefined) set.domain_id = (await getDomain(db, patch.domainId)).id;
  if (patch.active !== undefined) set.active = patch.active;
  if (Object.keys(set).length) {
    await db('domain_aliases').where({ id }).update(set);
    await bumpGeneration(db);
  }
  return getDomainAlias(db, id);
}
