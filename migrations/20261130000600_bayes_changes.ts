// The Bayes change log (lib/spam/bayesLog.ts): every learn/forget transaction appends what it
// added to the token counts of its scope, so each Haraka process can keep the counts in memory
// and catch up from here a few times a second instead of reading bayes_tokens per message.
//   kind 'delta'  delta = the count changes, "<spam> <ham> <token> <token>...\n" per line
//   kind 'reset'  the scope (or '*': every scope) changed otherwise (expiry, dropped scope):
//                 caches reload it from bayes_tokens
// Rows are soft state, kept a few minutes (created_ms, the writer's clock) and then deleted.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'bayes_changes', (t) => {
    t.bigIncrements('id').primary();
    t.string('scope', 24).notNullable();
    t.string('kind', 8).notNullable();
    t.text('delta', 'mediumtext');
    t.bigInteger('created_ms').notNullable();
    t.index(['created_ms'], 'bayes_changes_created');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('bayes_changes');
}
