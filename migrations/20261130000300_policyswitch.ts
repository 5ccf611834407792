// Spam settings a mailbox owner expects (issue 11, item 8) and lists sorted as people read
// names (item 10):
//   mailboxes.spam_filter   off: no spam verdict for this mailbox (allowed when its domain allows it)
//   mailboxes.antivirus     off: viruses are not held for this mailbox (unless its domain forces it)
//   mailboxes.global_lists  off: the server-wide sender lists do not apply to this mailbox
//   domains.allow_no_spam_filter  its mailboxes may turn spam filtering off (default: yes)
//   domains.force_antivirus       its mailboxes cannot turn the virus check off (default: no)
//   sort_key on domains, domain_aliases, mailboxes, aliases: the Unicode, accent-folded form of
//     the name or address (lib/core/sortKey), which the lists order by; filled here for the
//     rows that exist and by lib on every insert.
// Every step is made only when missing and the fill only touches rows without a key, so a run
// cut short can be run again.
import type { Knex } from 'knex';
import { addColumnIfMissing, addIndexIfMissing, domainSortKey, addressSortKey } from '../lib/core';


const SORTED = [
  { table: 'domains', column: 'name', key: domainSortKey },
  { table: 'domain_aliases', column: 'name', key: domainSortKey },
  { table: 'mailboxes', column: 'address', key: addressSortKey },
  { table: 'aliases', column: 'address', key: addressSortKey },
];

const INDEXES = [
  { table: 'domains', columns: ['sort_key'], name: 'domains_sort_key_index' },
  { table: 'domain_aliases', columns: ['sort_key'], name: 'domain_aliases_sort_key_index' },
  { table: 'mailboxes', columns: ['sort_key'], name: 'mailboxes_sort_key_index' },
  // a client's mailboxes in list order (like mailboxes (domain_id, address) before)
  { table: 'mailboxes', columns: ['domain_id', 'sort_key'], name: 'mailboxes_domain_id_sort_key_index' },
  { table: 'aliases', columns: ['sort_key', 'kind'], name: 'aliases_sort_key_kind_index' },
];

/** Fills the missing keys, a batch at a time (one UPDATE per row: the keys differ). */
async function fillSortKeys(knex: Knex, table: string, column: string, key: (v: string) => string): Promise<void> {
  for (;;) {
    const rows: { id: number; v: string }[] = await knex(table).whereNull('sort_key').select('id', { v: column }).orderBy('id').limit(500);
    if (!rows.length) return;
    await knex.transaction(async (trx) => {
      for (const r of rows) await trx(table).where({ id: r.id }).update({ sort_key: key(String(r.v)) });
    });
  }
}

export async function up(knex: Knex): Promise<void> {
  await addColumnIfMissing(knex, 'mailboxes', (t) => {
    t.boolean('spam_filter').notNullable().defaultTo(true);
    t.boolean('antivirus').notNullable().defaultTo(true);
    t.boolean('global_lists').notNullable().defaultTo(true);
  });
  await addColumnIfMissing(knex, 'domains', (t) => {
    t.boolean('allow_no_spam_filter').notNullable().defaultTo(true);
    t.boolean('force_antivirus').notNullable().defaultTo(false);
  });
  for (const s of SORTED) {
    await addColumnIfMissing(knex, s.table, (t) => {
      t.string('sort_key', 320).nullable();
    });
  }
  for (const ix of INDEXES) await addIndexIfMissing(knex, ix.table, ix.columns, { name: ix.name });
  for (const s of SORTED) await fillSortKeys(knex, s.table, s.column, s.key);
}

export async function down(knex: Knex): Promise<void> {
  for (const ix of INDEXES) {
    if (await knex.schema.hasColumn(ix.table, 'sort_key')) {
      await knex.schema.alterTable(ix.table, (t) => t.dropIndex(ix.columns, ix.name)).catch(() => undefined);
    }
  }
  const drop = async (table: string, columns: string[]) => {
    for (const c of columns) if (await knex.schema.hasColumn(table, c)) await knex.schema.alterTable(table, (t) => t.dropColumn(c));
  };
  for (const s of SORTED) await drop(s.table, ['sort_key']);
  await drop('mailboxes', ['spam_filter', 'antivirus', 'global_lists']);
  await drop('domains', ['allow_no_spam_filter', 'force_antivirus']);
}
