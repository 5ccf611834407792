// Bayes token ageing: the day (since 1970-01-01 UTC) a token was last counted by a learned
// message, so that rare tokens nobody teaches again can be forgotten (lib/spam/bayes.ts
// expireTokens). Existing tokens count as learned on the day of the migration.
import type { Knex } from 'knex';
import { addColumnIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await addColumnIfMissing(knex, 'bayes_tokens', (t) => {
    t.integer('learned_day').notNullable().defaultTo(0);
  });
  // again after a killed run: nobody taught the tokens in between (nothing runs before migrations end)
  await knex('bayes_tokens').update({ learned_day: Math.floor(Date.now() / 86_400_000) });
}

export async function down(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasColumn('bayes_tokens', 'learned_day'))) return;
  await knex.schema.alterTable('bayes_tokens', (t) => {
    t.dropColumn('learned_day');
  });
}
