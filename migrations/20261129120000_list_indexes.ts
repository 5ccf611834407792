// Indexes for the admin's list pages at a million mailboxes (admin/engine/list): each list is
// read in its order from an index that also holds what it is filtered by, so a page (and the
// capped count under it) is read from the index alone, without fetching each row it skips.
//   mailboxes (domain_id, address): a client's mailboxes, in address order
//   aliases (address, kind): the aliases, forwards and catch-all pages (one kind or two), in
//     address order (with kind first, two kinds would need the whole list sorted)
// Each index is created only when missing, so the migration can be re-run after a crash.
import type { Knex } from 'knex';
import { addIndexIfMissing } from '../lib/core';

const INDEXES = [
  { table: 'mailboxes', columns: ['domain_id', 'address'], name: 'mailboxes_domain_id_address_index' },
  { table: 'aliases', columns: ['address', 'kind'], name: 'aliases_address_kind_index' },
];

async function indexExists(knex: Knex, table: string, name: string): Promise<boolean> {
  if ((knex.client.config as { client?: string }).client === 'mysql2') {
    const [rows] = (await knex.raw('SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? LIMIT 1', [table, name])) as [unknown[]];
    return rows.length > 0;
  }
  const rows = (await knex.raw("SELECT 1 FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?", [table, name])) as unknown[];
  return rows.length > 0;
}

export async function up(knex: Knex): Promise<void> {
  for (const ix of INDEXES) await addIndexIfMissing(knex, ix.table, ix.columns, { name: ix.name });
}

export async function down(knex: Knex): Promise<void> {
  for (const ix of INDEXES) {
    if (!(await indexExists(knex, ix.table, ix.name))) continue;
    await knex.schema.alterTable(ix.table, (t) => {
      t.dropIndex(ix.columns, ix.name);
    });
  }
}
