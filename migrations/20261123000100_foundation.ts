// Foundation schema: accounts, domains, domain aliases, mailboxes, aliases (+ targets).
// Later features add their own tables; these columns are the stable core.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'accounts', (t) => {
    t.increments('id').primary();
    t.string('username', 190).notNullable().unique();
    t.string('role', 16).notNullable(); // admin | client
    t.string('password_hash', 255).notNullable();
    t.string('name', 190).notNullable().defaultTo('');
    t.string('email', 320).notNullable().defaultTo('');
    t.string('language', 8).nullable(); // null until chosen at first login
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
  });

  await createTableIfMissing(knex, 'domains', (t) => {
    t.increments('id').primary();
    t.string('name', 253).notNullable().unique(); // IDNA ASCII, lower case
    t.integer('client_id').unsigned().nullable().references('id').inTable('accounts').onDelete('SET NULL');
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('default_quota_mb').notNullable().defaultTo(0); // 0 = unlimited
    t.integer('spam_policy_id').unsigned().nullable();
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
    t.index(['client_id']);
  });

  await createTableIfMissing(knex, 'domain_aliases', (t) => {
    t.increments('id').primary();
    t.string('name', 253).notNullable().unique();
    t.integer('domain_id').unsigned().notNullable().references('id').inTable('domains').onDelete('CASCADE');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.index(['domain_id']);
  });

  await createTableIfMissing(knex, 'mailboxes', (t) => {
    t.increments('id').primary();
    t.integer('domain_id').unsigned().notNullable().references('id').inTable('domains').onDelete('CASCADE');
    t.string('local_part', 64).notNullable();
    t.string('address', 320).notNullable().unique(); // local@domain, domain in IDNA ASCII
    t.string('name', 190).notNullable().defaultTo(''); // label shown in From of autoreplies
    t.string('password_hash', 255).notNullable(); // Dovecot scheme-prefixed, e.g. {BLF-CRYPT}$2y$...
    t.integer('quota_mb').notNullable().defaultTo(0); // 0 = unlimited
    t.bigInteger('used_bytes').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.text('redirect_to').nullable(); // comma-separated addresses; empty = no redirect
    t.boolean('keep_copy').notNullable().defaultTo(false); // with a redirect: keep a local copy too
    t.string('language', 8).nullable();
    t.string('recovery_email', 320).nullable();
    t.integer('spam_policy_id').unsigned().nullable();
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
    t.index(['domain_id']);
  });

  await createTableIfMissing(knex, 'aliases', (t) => {
    t.increments('id').primary();
    t.integer('domain_id').unsigned().notNullable().references('id').inTable('domains').onDelete('CASCADE');
    t.string('local_part', 64).notNullable(); // '*' = catch-all
    t.string('address', 320).notNullable().unique();
    // alias | forward | catchall | postmaster: one resolution mechanism, different admin pages
    t.string('kind', 16).notNullable().defaultTo('alias');
    t.boolean('active').notNullable().defaultTo(true);
    t.string('description', 255).notNullable().defaultTo('');
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
    t.index(['domain_id', 'kind']);
  });

  await createTableIfMissing(knex, 'alias_targets', (t) => {
    t.increments('id').primary();
    t.integer('alias_id').unsigned().notNullable().references('id').inTable('aliases').onDelete('CASCADE');
    t.string('target', 320).notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.unique(['alias_id', 'target']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['alias_targets', 'aliases', 'mailboxes', 'domain_aliases', 'domains', 'accounts']) {
    await knex.schema.dropTableIfExists(table);
  }
}
