// Permissions and client limits (issue 11, item 7).
//   permission_denials: what a mailbox owner may NOT change, set per client (a ceiling for the
//     owners of all its mailboxes, set by an admin) or per mailbox (set by an admin or the
//     client). Only refusals are stored: no row = allowed, so existing installs, new mailboxes
//     and a permission added later keep today's behaviour (the owner may change it).
//   accounts.max_domains, max_mailboxes, max_quota_mb: a client's plan; null = unlimited.
// Every step is created only when missing, so a run cut short can be run again.
import type { Knex } from 'knex';
import { createTableIfMissing, addColumnIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'permission_denials', (t) => {
    t.increments('id').primary();
    // exactly one of the two is set
    t.integer('account_id').unsigned().nullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.integer('mailbox_id').unsigned().nullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.string('permission', 32).notNullable();
    // NULLs never collide in a unique index (both engines): one row per owner and permission
    t.unique(['account_id', 'permission']);
    t.unique(['mailbox_id', 'permission']);
  });
  await addColumnIfMissing(knex, 'accounts', (t) => {
    t.integer('max_domains').nullable();
    t.integer('max_mailboxes').nullable();
    t.integer('max_quota_mb').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const c of ['max_domains', 'max_mailboxes', 'max_quota_mb']) {
    if (await knex.schema.hasColumn('accounts', c)) await knex.schema.alterTable('accounts', (t) => t.dropColumn(c));
  }
  await knex.schema.dropTableIfExists('permission_denials');
}
