// The audit log page and the monthly statistics (issue 11, items 9 and 1).
//   audit_log.domain_id: the domain a change was about (a domain, or a mailbox, alias... of it),
//     filled on write, so a client's page is a WHERE on its domains. Rows written before stay
//     NULL: about no domain, shown to admins only.
//   stats_monthly: stats_daily's counters summed by month (YYYY-MM) for days older than
//     MAILHOST_STATS_DAILY_DAYS (lib/stats/rollup.ts); same key and counters as stats_daily.
// Every step is created only when missing, so a run cut short can be run again.
import type { Knex } from 'knex';
import { createTableIfMissing, addColumnIfMissing, addIndexIfMissing } from '../lib/core';

const COUNTERS = ['received', 'inbox', 'junk', 'quarantined', 'quarantined_spam', 'quarantined_newsletter', 'quarantined_virus', 'refused_rcpt', 'refused_data', 'forwarded', 'autoreplies'];

export async function up(knex: Knex): Promise<void> {
  await addColumnIfMissing(knex, 'audit_log', (t) => {
    t.integer('domain_id').nullable();
  });
  await addIndexIfMissing(knex, 'audit_log', ['domain_id', 'at_ms'], { name: 'audit_log_domain_at' });
  await createTableIfMissing(knex, 'stats_monthly', (t) => {
    t.increments('id').primary();
    t.string('month', 7).notNullable(); // YYYY-MM, UTC
    t.integer('mailbox_id').unsigned().notNullable().defaultTo(0);
    t.integer('domain_id').unsigned().notNullable().defaultTo(0);
    for (const c of COUNTERS) t.integer(c).unsigned().notNullable().defaultTo(0);
    t.bigInteger('bytes').unsigned().notNullable().defaultTo(0);
    t.unique(['month', 'mailbox_id', 'domain_id'], { indexName: 'stats_monthly_key' });
    t.index(['mailbox_id', 'month'], 'stats_monthly_mailbox_month');
    t.index(['domain_id', 'month'], 'stats_monthly_domain_month');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('stats_monthly');
  if (await knex.schema.hasColumn('audit_log', 'domain_id')) {
    await knex.schema.alterTable('audit_log', (t) => {
      t.dropIndex(['domain_id', 'at_ms'], 'audit_log_domain_at');
      t.dropColumn('domain_id');
    });
  }
}
