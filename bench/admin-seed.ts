// Bulk seeding for bench/admin.ts: an admin and a client account, `domains` domains (the first
// one owned by the client and holding `big` mailboxes, the rest spread round-robin over the
// other domains), a postmaster alias per domain plus `aliases` ordinary aliases and forwards,
// each with one target. Rows go in with explicit ids through the multi-row batches of
// bench/mta-seed.ts; one precomputed password hash is shared by every mailbox.
import { type Db, hashPassword } from '../lib/core';
import { createAccount } from '../lib/accounts';
import { insertAll, mailboxRow } from './mta-seed';

export interface AdminSeedSize {
  domains: number;
  mailboxes: number;
  /** mailboxes of the first domain (the client's), part of `mailboxes` */
  big: number;
  /** ordinary aliases and forwards, besides one postmaster per domain */
  aliases: number;
}

export const BENCH_PASSWORD = 'Bench-password-1';
export const ADMIN_LOGIN = 'benchadmin';
export const CLIENT_LOGIN = 'benchclient';

export const domainName = (d: number) => `d${d}.admin-bench.example`; // id = d + 1

/** Mailbox n (0-based): the first `big` are in domain 0, the others round-robin over domains 1.. */
function mailboxAt(size: AdminSeedSize, n: number): { d: number; local: string } {
  if (n < size.big) return { d: 0, local: `user${n}` };
  const rest = n - size.big;
  const others = size.domains - 1;
  return { d: 1 + (rest % others), local: `user${Math.floor(rest / others)}` };
}

export async function seedAdmin(db: Db, size: AdminSeedSize): Promise<{ rows: Record<string, number>; ms: number }> {
  if (size.domains < 2) throw new Error('need at least 2 domains');
  if (size.big > size.mailboxes || size.mailboxes - size.big < size.domains - 1) throw new Error('need --mailboxes >= --big + --domains - 1');
  const t0 = Date.now();
  await createAccount(db, { username: ADMIN_LOGIN, role: 'admin', password: BENCH_PASSWORD, name: 'Bench admin', language: 'en' });
  const { account: client } = await createAccount(db, { username: CLIENT_LOGIN, role: 'client', password: BENCH_PASSWORD, name: 'Bench client', language: 'en' });
  const hash = await hashPassword(BENCH_PASSWORD);
  const rows: Record<string, number> = {};
  rows.domains = await insertAll(db, 'domains', size.domains, (d) => ({ id: d + 1, name: domainName(d), sort_key: domainName(d), client_id: d === 0 ? client.id : null, active: true, default_quota_mb: d % 2 ? 0 : 2048 }));
  rows.mailboxes = await insertAll(db, 'mailboxes', size.mailboxes, (n) => {
    const { d, local } = mailboxAt(size, n);
    // some mailboxes used, some inactive, some redirected: every list column has something to show
    return { ...mailboxRow(n, d + 1, local, domainName(d), hash), used_bytes: (n % 7) * 1_000_000, active: n % 50 !== 7, redirect_to: n % 25 === 3 ? 'someone@elsewhere.invalid' : null };
  });
  const total = size.domains + size.aliases;
  rows.aliases = await insertAll(db, 'aliases', total, (i) => {
    if (i < size.domains) return { id: i + 1, domain_id: i + 1, local_part: 'postmaster', address: `postmaster@${domainName(i)}`, sort_key: `postmaster@${domainName(i)}`, kind: 'postmaster', active: true, description: '' };
    const n = i - size.domains;
    const d = n % size.domains;
    const local = `alias${Math.floor(n / size.domains)}`;
    return { id: i + 1, domain_id: d + 1, local_part: local, address: `${local}@${domainName(d)}`, sort_key: `${local}@${domainName(d)}`, kind: n % 20 === 3 ? 'forward' : 'alias', active: true, description: n % 5 ? '' : `bench ${n}` };
  });
  rows.alias_targets = await insertAll(db, 'alias_targets', total, (i) => ({ alias_id: i + 1, target: `user0@${domainName(i % size.domains)}`, position: 0 }));
  return { rows, ms: Date.now() - t0 };
}
