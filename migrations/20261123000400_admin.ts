// Admin web application: sessions shared by every admin node, login throttling, audit log.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  // connect-session-knex reads and writes this table (created here, never by the store)
  await createTableIfMissing(knex, 'sessions', (t) => {
    t.string('sid', 255).primary();
    t.text('sess').notNullable(); // JSON of the express-session object
    t.dateTime('expired').notNullable().index();
  });

  // one row per failed login; counted per account and per IP over a sliding window
  await createTableIfMissing(knex, 'login_failures', (t) => {
    t.increments('id').primary();
    t.string('scope', 8).notNullable(); // account | ip
    t.string('key', 320).notNullable(); // login name (lower case) or client IP
    t.bigInteger('at_ms').notNullable(); // epoch milliseconds (engine-independent)
    t.index(['scope', 'key', 'at_ms']);
  });

  // who changed what from the admin pages
  await createTableIfMissing(knex, 'audit_log', (t) => {
    t.increments('id').primary();
    t.bigInteger('at_ms').notNullable();
    t.string('actor_role', 16).notNullable(); // admin | client | user
    t.string('actor', 320).notNullable(); // username or mailbox address
    t.string('action', 16).notNullable(); // create | update | delete
    t.string('resource', 64).notNullable(); // admin resource name, e.g. mailboxes
    t.integer('object_id').nullable();
    t.string('object_label', 320).notNullable().defaultTo('');
    t.text('details').nullable(); // JSON: changed field names (never password values)
    t.index(['at_ms']);
    t.index(['resource', 'object_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_log', 'login_failures', 'sessions']) await knex.schema.dropTableIfExists(table);
}
