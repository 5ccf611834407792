// Daily statistics (lib/stats): one row per day and mailbox with counters that a flush adds to.
// mailbox_id and domain_id are 0 (not NULL) when unknown - a refusal for a domain we do not host,
// a forward address that is not a mailbox - so the unique key matches them and the upsert adds
// (NULLs never match in a unique key). No foreign keys: a deleted mailbox's counts stay in its
// domain's and the global totals. Domain and global figures are sums of these rows.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'stats_daily', (t) => {
    t.increments('id').primary();
    t.string('day', 10).notNullable(); // YYYY-MM-DD, UTC
    t.integer('mailbox_id').unsigned().notNullable().defaultTo(0);
    t.integer('domain_id').unsigned().notNullable().defaultTo(0);
    for (const c of ['received', 'inbox', 'junk', 'quarantined', 'quarantined_spam', 'quarantined_newsletter', 'quarantined_virus', 'refused_rcpt', 'refused_data', 'forwarded', 'autoreplies']) {
      t.integer(c).unsigned().notNullable().defaultTo(0);
    }
    t.bigInteger('bytes').unsigned().notNullable().defaultTo(0);
    t.unique(['day', 'mailbox_id', 'domain_id'], { indexName: 'stats_daily_key' });
    t.index(['mailbox_id', 'day'], 'stats_daily_mailbox_day');
    t.index(['domain_id', 'day'], 'stats_daily_domain_day');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('stats_daily');
}
