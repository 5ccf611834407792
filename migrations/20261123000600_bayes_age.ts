// Bayes token ageing: the day (since 1970-01-01 UTC) a token was last counted by a learned
// message, so that rare tokens nobody teaches again can be forgotten (lib/spam/bayes.ts
// expireTokens). Existing tokens count as learned on the day of the migration.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bayes_tokens', (t) => {
    t.integer('learned_day').notNullable().defaultTo(0);
  });
  await knex('bayes_tokens').update({ learned_day: Math.floor(Date.now() / 86_400_000) });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('bayes_tokens', (t) => {
    t.dropColumn('learned_day');
  });
}
