// bayes_learned ageing (lib/spam/bayes.ts expireTokens): the daily purge deletes the records of
// messages learned long ago by learned_at, which needs an index on a table that holds a row per
// auto-learned message.
import type { Knex } from 'knex';
import { addIndexIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await addIndexIfMissing(knex, 'bayes_learned', ['learned_at'], { name: 'bayes_learned_learned_at' });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bayes_learned', (t) => {
    t.dropIndex(['learned_at'], 'bayes_learned_learned_at');
  });
}
