// Spam policy side of the MTA: policies (assigned through domains/mailboxes.spam_policy_id),
// sender lists, the quarantine store and the few global settings they need.
import type { Knex } from 'knex';
import { createTableIfMissing, isMysql } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'spam_policies', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique(); // 'default' applies where nothing is assigned
    t.decimal('threshold', 7, 2).notNullable().defaultTo(5); // score >= threshold = spam
    t.string('action', 16).notNullable().defaultTo('tag'); // tag | junk | quarantine | delete | reject
    t.string('subject_tag', 190).notNullable().defaultTo('*****SPAM*****');
    t.text('warning').nullable(); // added on top of the body of tagged copies
    t.string('newsletter_action', 16).notNullable().defaultTo('deliver'); // deliver | junk | quarantine
    t.boolean('antivirus').notNullable().defaultTo(true);
    t.string('virus_action', 16).notNullable().defaultTo('quarantine'); // quarantine | reject | delete
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
  });
  // a run killed after this insert (MariaDB commits it with the next DDL) must not add a second one
  if (!(await knex('spam_policies').where({ name: 'default' }).first())) await knex('spam_policies').insert({ name: 'default' });

  await createTableIfMissing(knex, 'sender_lists', (t) => {
    t.increments('id').primary();
    t.string('scope', 8).notNullable(); // global | domain | mailbox
    t.integer('domain_id').unsigned().nullable().references('id').inTable('domains').onDelete('CASCADE');
    t.integer('mailbox_id').unsigned().nullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    // 'g', 'd:<domain id>' or 'm:<mailbox id>': one non-null column for uniqueness and lookups
    t.string('owner_key', 24).notNullable();
    t.string('kind', 16).notNullable(); // allow | block | newsletter
    t.string('pattern', 320).notNullable(); // canonical local@domain glob, IDNA ASCII lower case
    t.string('comment', 190).notNullable().defaultTo('');
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.unique(['owner_key', 'kind', 'pattern']);
    t.index(['domain_id']);
    t.index(['mailbox_id']);
  });

  // The raw message of a quarantined mail, gzip-compressed, stored once and shared by
  // every quarantined recipient of that message.
  await createTableIfMissing(knex, 'quarantine_messages', (t) => {
    t.increments('id').primary();
    if (isMysql(knex)) t.specificType('raw_gz', 'LONGBLOB').notNullable();
    else t.binary('raw_gz').notNullable();
    t.integer('size').unsigned().notNullable(); // bytes before compression
    t.bigInteger('received_ms').notNullable();
  });

  await createTableIfMissing(knex, 'quarantine', (t) => {
    t.increments('id').primary();
    t.integer('message_id').unsigned().notNullable().references('id').inTable('quarantine_messages').onDelete('CASCADE');
    t.integer('mailbox_id').unsigned().notNullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.bigInteger('received_ms').notNullable(); // epoch milliseconds
    t.string('mail_from', 320).notNullable().defaultTo(''); // envelope sender, '' = bounce
    t.string('header_from', 320).notNullable().defaultTo(''); // address of the From header
    t.string('subject', 500).notNullable().defaultTo('');
    t.double('score').notNullable().defaultTo(0);
    t.string('category', 16).notNullable(); // spam | virus | newsletter
    t.text('reasons').nullable(); // JSON [{rule, points}]
    t.integer('size').unsigned().notNullable();
    t.boolean('released').notNullable().defaultTo(false);
    t.bigInteger('released_ms').nullable();
    t.boolean('reported').notNullable().defaultTo(false); // flagged as a false positive
    t.index(['mailbox_id', 'received_ms']);
    t.index(['received_ms']);
    t.index(['message_id']);
  });

  // Global settings as key/value rows (e.g. quarantine.retention_days); absent = default.
  await createTableIfMissing(knex, 'settings', (t) => {
    t.string('name', 64).primary();
    t.text('value').notNullable();
    t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['settings', 'quarantine', 'quarantine_messages', 'sender_lists', 'spam_policies']) {
    await knex.schema.dropTableIfExists(table);
  }
}
