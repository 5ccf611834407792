// Writing a batch of counts: addresses resolved to their mailbox (or domain), then ONE upsert
// that adds each row's counts to what the table holds for that day and mailbox.
import { type Db, isMysql } from '../core';
import { COUNTERS, type Counts, emptyCounts, addCounts } from './counters';

/** Whose counts: a known mailbox (and its domain), or an address resolved at flush time. */
export type StatsOwner = { mailboxId: number; domainId: number } | { address: string };

export interface PendingCounts {
  day: string;
  owner: StatsOwner;
  counts: Counts;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** mailbox address -> ids, else domain name -> id; what is not hosted counts globally (0, 0). */
async function resolveAddresses(db: Db, addresses: string[]): Promise<Map<string, { mailboxId: number; domainId: number }>> {
  const out = new Map<string, { mailboxId: number; domainId: number }>();
  if (!addresses.length) return out;
  const boxes = await db('mailboxes').whereIn('address', addresses).select('id', 'domain_id', 'address');
  for (const b of boxes) out.set(String(b.address), { mailboxId: Number(b.id), domainId: Number(b.domain_id) });
  const rest = addresses.filter((a) => !out.has(a));
  const names = [...new Set(rest.map(domainOf))];
  const domains = names.length ? await db('domains').whereIn('name', names).select('id', 'name') : [];
  const byName = new Map(domains.map((d) => [String(d.name), Number(d.id)]));
  for (const a of rest) out.set(a, { mailboxId: 0, domainId: byName.get(domainOf(a)) ?? 0 });
  return out;
}

/** Adds the batch to stats_daily (one INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE). */
export async function writeCounts(db: Db, batch: PendingCounts[]): Promise<void> {
  if (!batch.length) return;
  const addresses = [...new Set(batch.flatMap((p) => ('address' in p.owner ? [p.owner.address] : [])))];
  const resolved = await resolveAddresses(db, addresses);
  const rows = new Map<string, { day: string; mailbox_id: number; domain_id: number; counts: Counts }>();
  for (const p of batch) {
    const who = 'address' in p.owner ? resolved.get(p.owner.address)! : p.owner;
    const key = `${p.day}|${who.mailboxId}|${who.domainId}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { day: p.day, mailbox_id: who.mailboxId, domain_id: who.domainId, counts: emptyCounts() }));
    addCounts(row.counts, p.counts);
  }
  const mysql = isMysql(db);
  const add = Object.fromEntries(COUNTERS.map((c) => [c, db.raw(mysql ? '?? + VALUES(??)' : '?? + excluded.??', [`stats_daily.${c}`, c])]));
  await db('stats_daily')
    .insert([...rows.values()].map((r) => ({ day: r.day, mailbox_id: r.mailbox_id, domain_id: r.domain_id, ...r.counts })))
    .onConflict(['day', 'mailbox_id', 'domain_id'])
    .merge(add);
}
