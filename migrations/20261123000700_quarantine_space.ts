// The quarantine space (issue 10): digest preferences per mailbox and per domain, the
// release-request option of a domain, the review queue ("not spam" reports and release
// requests), the memory of which digest periods were sent, and lease rows so that one node
// at a time runs a scheduled job. Every step checks first (lib/core migrate helpers), so a
// run that stopped halfway can simply run again.
import type { Knex } from 'knex';
import { addColumnIfMissing, createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  // null = the domain's default
  await addColumnIfMissing(knex, 'mailboxes', (t) => t.string('digest_frequency', 8).nullable());
  await addColumnIfMissing(knex, 'mailboxes', (t) => t.string('digest_to', 320).nullable());
  await addColumnIfMissing(knex, 'domains', (t) => t.string('digest_default', 8).notNullable().defaultTo('daily'));
  await addColumnIfMissing(knex, 'domains', (t) => t.boolean('release_requests').notNullable().defaultTo(false));

  await createTableIfMissing(knex, 'quarantine_reviews', (t) => {
    t.increments('id').primary();
    t.integer('quarantine_id').unsigned().notNullable().references('id').inTable('quarantine').onDelete('CASCADE');
    t.integer('mailbox_id').unsigned().notNullable();
    t.integer('domain_id').unsigned().notNullable();
    t.string('kind', 16).notNullable(); // not_spam | release
    t.string('status', 16).notNullable().defaultTo('open'); // open | released | allowed | learned | dismissed | refused
    t.string('note', 500).notNullable().defaultTo('');
    t.bigInteger('created_ms').notNullable();
    t.bigInteger('decided_ms').nullable();
    t.string('decided_by', 190).nullable();
    t.index(['domain_id', 'status']);
    t.unique(['quarantine_id', 'kind']);
  });

  // one row per (mailbox, period) reported: the unique key is what stops a second send
  await createTableIfMissing(knex, 'digest_sent', (t) => {
    t.increments('id').primary();
    t.integer('mailbox_id').unsigned().notNullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.string('period', 32).notNullable(); // e.g. daily:2026-11-29
    t.bigInteger('sent_ms').notNullable();
    t.bigInteger('until_ms').notNullable(); // the report covered mail received before this
    t.integer('rows').notNullable().defaultTo(0);
    t.unique(['mailbox_id', 'period']);
  });

  // held messages whose owner was warned at once (their sender is on the owner's warn list)
  await createTableIfMissing(knex, 'quarantine_warnings', (t) => {
    t.integer('quarantine_id').unsigned().primary().references('id').inTable('quarantine').onDelete('CASCADE');
    t.bigInteger('sent_ms').notNullable();
  });

  await createTableIfMissing(knex, 'job_leases', (t) => {
    t.string('name', 64).primary();
    t.string('holder', 190).notNullable().defaultTo('');
    t.bigInteger('expires_ms').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_leases');
  await knex.schema.dropTableIfExists('quarantine_warnings');
  await knex.schema.dropTableIfExists('digest_sent');
  await knex.schema.dropTableIfExists('quarantine_reviews');
  for (const [table, cols] of [
    ['mailboxes', ['digest_frequency', 'digest_to']],
    ['domains', ['digest_default', 'release_requests']],
  ] as const) {
    for (const c of cols) if (await knex.schema.hasColumn(table, c)) await knex.schema.alterTable(table, (t) => t.dropColumn(c));
  }
}
