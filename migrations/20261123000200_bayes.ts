// Bayes classifier storage (lib/spam/bayes.ts).
//   bayes_tokens   per scope ('global' or 'domain:<id>') and token (16 hex chars, a hash of
//                  the token text), how many learned spam / ham messages contained it. The
//                  row with token '*' holds the number of learned spam / ham messages, so one
//                  query reads a message's tokens and the totals together.
//   bayes_learned  what each learned message (by content hash) was learned as, per scope,
//                  so forget() undoes it exactly and relearning moves counts, never doubles them.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'bayes_tokens', (t) => {
    t.string('scope', 24).notNullable();
    t.string('token', 16).notNullable();
    t.integer('spam').notNullable().defaultTo(0);
    t.integer('ham').notNullable().defaultTo(0);
    t.primary(['scope', 'token']);
  });
  await createTableIfMissing(knex, 'bayes_learned', (t) => {
    t.string('scope', 24).notNullable();
    t.string('msg_hash', 64).notNullable();
    t.string('class', 4).notNullable(); // spam | ham
    t.timestamp('learned_at').notNullable().defaultTo(knex.fn.now());
    t.primary(['scope', 'msg_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('bayes_learned');
  await knex.schema.dropTableIfExists('bayes_tokens');
}
