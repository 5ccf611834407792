// Self-service: lost-password links and the single-session option (issue 11, items 3 and 4).
//   password_resets: one row per link sent; only the SHA-256 of the token is kept, so a copy of
//     the database does not hand out working links; spent once (used_ms) and valid one hour.
//   accounts.single_session, mailboxes.single_session: a new login ends the other sessions.
// Every step is created only when missing, so a run cut short can be run again.
import type { Knex } from 'knex';
import { createTableIfMissing, addColumnIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'password_resets', (t) => {
    t.increments('id').primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('owner_kind', 8).notNullable(); // account | mailbox
    t.integer('owner_id').notNullable();
    t.bigInteger('created_ms').notNullable();
    t.bigInteger('expires_ms').notNullable();
    t.bigInteger('used_ms').nullable();
    t.index(['owner_kind', 'owner_id']);
  });
  for (const table of ['accounts', 'mailboxes']) {
    await addColumnIfMissing(knex, table, (t) => {
      t.boolean('single_session').notNullable().defaultTo(false);
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['accounts', 'mailboxes']) {
    if (await knex.schema.hasColumn(table, 'single_session')) await knex.schema.alterTable(table, (t) => t.dropColumn('single_session'));
  }
  await knex.schema.dropTableIfExists('password_resets');
}
