// Bulk seeding for bench/mta.ts: domains, domain aliases, mailboxes, aliases (with the
// postmaster row every domain has, as lib/domains.ts creates it) and alias targets, inserted
// in batches with explicit ids into a freshly migrated database. The lib create functions
// would bcrypt every password; here one precomputed hash is shared by all mailboxes.
import { type Db, hashPassword } from '../lib/core';

export interface SeedSize {
  domains: number;
  mailboxes: number; // spread round-robin over the domains
  aliases: number; // besides the one postmaster alias per domain
}

export interface SeedReport {
  rows: Record<string, number>;
  ms: number;
}

// rows per INSERT: knex writes a multi-row insert on SQLite as INSERT ... SELECT ... UNION ALL,
// and SQLite allows at most 500 terms in a compound SELECT
const batchSize = (db: Db) => ((db.client.config as { client?: string }).client === 'mysql2' ? 1000 : 400);

export const domainName = (d: number) => `d${d}.bench.example`; // d = 0..domains-1, id = d + 1
export const domainAliasName = (d: number) => `d${d}.alias-bench.example`;
export const hasDomainAlias = (d: number) => d % 10 === 5;
export const hasCatchAll = (d: number) => d % 10 === 0;
export const EXTERNAL_TARGET = 'someone@elsewhere.invalid';

/** How many mailboxes domain d gets when `mailboxes` are spread round-robin over `domains`. */
export function mailboxesIn(size: SeedSize, d: number): number {
  return Math.floor(size.mailboxes / size.domains) + (d < size.mailboxes % size.domains ? 1 : 0);
}

/** Mailbox n (0-based) is user<n div domains>@<domain n mod domains>. */
export function mailboxAddress(size: SeedSize, n: number): string {
  return `user${Math.floor(n / size.domains)}@${domainName(n % size.domains)}`;
}

/** Alias n (0-based): alias<k>@domain, or the domain's catch-all for k = 0 on every 10th domain. */
export function aliasLocal(size: SeedSize, n: number): string {
  const d = n % size.domains;
  const k = Math.floor(n / size.domains);
  return k === 0 && hasCatchAll(d) ? '*' : `alias${k}`;
}

function aliasTargets(size: SeedSize, n: number): string[] {
  const d = n % size.domains;
  const k = Math.floor(n / size.domains);
  const m = Math.max(1, mailboxesIn(size, d));
  const out = [`user${k % m}@${domainName(d)}`];
  if (n % 4 === 1 && m > 1) out.push(`user${(k + 1) % m}@${domainName(d)}`);
  if (n % 20 === 3) out.push(EXTERNAL_TARGET); // a forward: local copy + external
  return out;
}

/** Inserts `total` rows made by `row(i)` in multi-row batches, in one transaction. */
export async function insertAll(db: Db, table: string, total: number, row: (i: number) => Record<string, unknown>): Promise<number> {
  const batch = batchSize(db);
  await db.transaction(async (trx) => {
    for (let start = 0; start < total; start += batch) {
      const rows: Record<string, unknown>[] = [];
      for (let i = start; i < Math.min(total, start + batch); i++) rows.push(row(i));
      await trx(table).insert(rows);
    }
  });
  return total;
}

/** Mailbox row n (id n + 1), local@domain, sharing one password hash. */
export function mailboxRow(n: number, domainId: number, local: string, domain: string, hash: string): Record<string, unknown> {
  return {
    id: n + 1,
    domain_id: domainId,
    local_part: local,
    address: `${local}@${domain}`,
    sort_key: `${local}@${domain}`, // ASCII names: the sort key is the address (lib/core sortKey)
    name: `Bench User ${n}`,
    password_hash: hash,
    quota_mb: n % 3 === 0 ? 1024 : 0,
    used_bytes: 0,
    active: true,
    keep_copy: false,
  };
}

export async function seed(db: Db, size: SeedSize): Promise<SeedReport> {
  if (size.mailboxes < size.domains) throw new Error('need at least one mailbox per domain');
  const t0 = Date.now();
  const hash = await hashPassword('Bench-password-1');
  const rows: Record<string, number> = {};
  const domainAliasIds: number[] = [];
  for (let d = 0; d < size.domains; d++) if (hasDomainAlias(d)) domainAliasIds.push(d);

  rows.domains = await insertAll(db, 'domains', size.domains, (d) => ({ id: d + 1, name: domainName(d), sort_key: domainName(d), active: true, default_quota_mb: 0 }));
  rows.domain_aliases = await insertAll(db, 'domain_aliases', domainAliasIds.length, (i) => ({
    id: i + 1,
    name: domainAliasName(domainAliasIds[i]),
    sort_key: domainAliasName(domainAliasIds[i]),
    domain_id: domainAliasIds[i] + 1,
    active: true,
  }));
  rows.mailboxes = await insertAll(db, 'mailboxes', size.mailboxes, (n) => {
    const d = n % size.domains;
    return mailboxRow(n, d + 1, `user${Math.floor(n / size.domains)}`, domainName(d), hash);
  });
  // postmaster rows first (ids 1..domains), then the ordinary aliases
  const totalAliases = size.domains + size.aliases;
  rows.aliases = await insertAll(db, 'aliases', totalAliases, (i) => {
    if (i < size.domains) {
      return { id: i + 1, domain_id: i + 1, local_part: 'postmaster', address: `postmaster@${domainName(i)}`, sort_key: `postmaster@${domainName(i)}`, kind: 'postmaster', active: true };
    }
    const n = i - size.domains;
    const d = n % size.domains;
    const local = aliasLocal(size, n);
    const kind = local === '*' ? 'catchall' : n % 20 === 3 ? 'forward' : 'alias';
    return { id: i + 1, domain_id: d + 1, local_part: local, address: `${local}@${domainName(d)}`, sort_key: `${local}@${domainName(d)}`, kind, active: true };
  });
  const targets: { alias_id: number; target: string; position: number }[] = [];
  for (let n = 0; n < size.aliases; n++) {
    aliasTargets(size, n).forEach((target, position) => targets.push({ alias_id: size.domains + n + 1, target, position }));
  }
  rows.alias_targets = await insertAll(db, 'alias_targets', targets.length, (i) => targets[i]);
  return { rows, ms: Date.now() - t0 };
}

export type SampleKind = 'mailbox' | 'alias' | 'subaddress' | 'domain_alias' | 'unknown' | 'remote';

/** A mix of addresses a real MX sees: mostly existing, some unknown, a few not hosted here. */
export function sampleAddresses(size: SeedSize, count: number, rand: () => number): { kind: SampleKind; address: string }[] {
  const pick = (n: number) => Math.floor(rand() * n);
  const out: { kind: SampleKind; address: string }[] = [];
  const aliasDomains: number[] = [];
  for (let d = 0; d < size.domains; d++) if (hasDomainAlias(d)) aliasDomains.push(d);
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.5) out.push({ kind: 'mailbox', address: mailboxAddress(size, pick(size.mailboxes)) });
    else if (r < 0.7 && size.aliases) {
      const n = pick(size.aliases);
      const local = aliasLocal(size, n);
      const domain = domainName(n % size.domains);
      out.push({ kind: 'alias', address: local === '*' ? `anything${i}@${domain}` : `${local}@${domain}` });
    } else if (r < 0.75) out.push({ kind: 'subaddress', address: mailboxAddress(size, pick(size.mailboxes)).replace('@', `+tag${i}@`) });
    else if (r < 0.8 && aliasDomains.length) {
      const d = aliasDomains[pick(aliasDomains.length)];
      out.push({ kind: 'domain_alias', address: `user${pick(mailboxesIn(size, d))}@${domainAliasName(d)}` });
    } else if (r < 0.95) out.push({ kind: 'unknown', address: `nobody${i}@${domainName(pick(size.domains))}` });
    else out.push({ kind: 'remote', address: `someone${i}@not-hosted-${pick(1000)}.example` });
  }
  return out;
}

/** Deterministic PRNG (mulberry32) so that every run draws the same addresses. */
export function prng(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
