// Outbound abuse limits of authenticated senders (lib/submission): per-domain and per-mailbox
// overrides of the configured limits, a mailbox's sending suspension, and counters per mailbox
// and clock hour shared by every node. Each step checks first (lib/core createTableIfMissing,
// statement by statement), so a run cut short can be re-run.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'sending_limits', (t) => {
    t.string('scope', 8).notNullable(); // domain | mailbox
    t.integer('ref_id').unsigned().notNullable(); // domains.id or mailboxes.id
    t.integer('per_hour').nullable(); // null: inherit
    t.integer('rcpt_per_day').nullable();
    t.primary(['scope', 'ref_id']);
  });
  await createTableIfMissing(knex, 'sending_suspensions', (t) => {
    t.integer('mailbox_id').unsigned().primary().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.bigInteger('until_ms').notNullable(); // epoch milliseconds
    t.string('reason', 255).notNullable().defaultTo('');
    t.bigInteger('created_ms').notNullable();
  });
  await createTableIfMissing(knex, 'sending_counters', (t) => {
    t.integer('mailbox_id').unsigned().notNullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.integer('hour').notNullable(); // hours since 1970-01-01 UTC
    t.integer('messages').notNullable().defaultTo(0);
    t.integer('recipients').notNullable().defaultTo(0);
    t.integer('spam').notNullable().defaultTo(0);
    t.primary(['mailbox_id', 'hour']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['sending_counters', 'sending_suspensions', 'sending_limits']) await knex.schema.dropTableIfExists(table);
}
