// The directory generation: one row whose counter every write through lib to domains, domain
// aliases, mailboxes, aliases, spam policies, sender lists and autoreplies bumps, so that each
// Haraka process can keep those answers in memory and drop them within a second of a change
// (lib/core/generation.ts polls it). Usage counters (mailboxes.used_bytes) never bump it.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'mailhost_generation', (t) => {
    t.integer('id').primary();
    t.bigInteger('value').notNullable().defaultTo(0);
  });
  // again after a killed run: the row may already be there
  if (!(await knex('mailhost_generation').where({ id: 1 }).first())) await knex('mailhost_generation').insert({ id: 1, value: 0 });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('mailhost_generation');
}
