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

// Rows (and looked-up names) per statement: a busy flush stays within the engines' limits on
// bound parameters (SQLite 32766); in the usual case the whole flush is one statement.
const CHUNK = 500;

export function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** mailbox address -> ids, else domain name -> id; what is not hosted counts globally (0, 0). */
async function resolveAddresses(db: Db, addresses: string[]): Promise<Map<string, { mailboxId: number; domainId: number }>> {
  const out = new Map<string, { mailboxId: number; domainId: number }>();
  if (!addresses.length) return out;
  for (const part of chunks(addresses)) {
    const boxes = await db('mailboxes').whereIn('address', part).select('id', 'domain_id', 'address');
    for (const b of boxes) out.set(String(b.address), { mailboxId: Number(b.id), domainId: Number(b.domain_id) });
  }
  const rest = addresses.filter((a) => !out.has(a));
  const names = [...new Set(rest.map(domainOf))];
  const byName = new Map<string, number>();
  for (const part of chunks(names)) for (const d of await db('domains').whereIn('name', part).select('id', 'name')) byName.set(String(d.name), Number(d.id));
  for (const a of rest) out.set(a, { mailboxId: 0, domainId: byName.get(domainOf(a)) ?? 0 });
  return out;
}

/**
 * INSERT rows of counters into `table` (stats_daily, stats_monthly), adding them to the row
 * already there for the same period (`periodColumn`), mailbox and domain.
 */
export function upsertAdding(db: Db, table: string, periodColumn: string, rows: Record<string, unknown>[]) {
  const add = Object.fromEntries(COUNTERS.map((c) => [c, db.raw(isMysql(db) ? '?? + VALUES(??)' : '?? + excluded.??', [`${table}.${c}`, c])]));
  return db(table).insert(rows).onConflict([periodColumn, 'mailbox_id', 'domain_id']).merge(add);
}

/** Adds the batch to stats_daily (one INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE per 500 rows). */
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
  // several statements (a very busy flush) run in one transaction: a failure adds nothing, and
  // the whole batch is tried again by the next flush without counting any part twice
  const parts = chunks([...rows.values()].map((r) => ({ day: r.day, mailbox_id: r.mailbox_id, domain_id: r.domain_id, ...r.counts })));
  const write = (q: Db, part: Record<string, unknown>[]) => upsertAdding(q, 'stats_daily', 'day', part);
  if (parts.length === 1) await write(db, parts[0]);
  else await db.transaction(async (trx) => {
    for (const part of parts) await write(trx, part);
  });
}
