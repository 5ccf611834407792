// Help desk (issue 11, item 5): tickets opened by a mailbox owner (or by a client, to the ISP)
// and their thread of comments.
//   tickets: who opened it (mailbox_id for a mailbox owner, account_id for a client; the other
//     one NULL), its subject, category and status; updated_ms orders the lists by activity;
//     last_side says who spoke last ('opener' or 'support': whose turn it is).
//   ticket_comments: the thread, oldest first: the opening text, each answer, and the closing
//     and reopening (kind), with who did it (label kept: it stays readable after a rename).
// A ticket goes with its opener (ON DELETE CASCADE), like the mailbox's other rows.
// Every step is created only when missing, so a run cut short can be run again.
import type { Knex } from 'knex';
import { createTableIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'tickets', (t) => {
    t.increments('id').primary();
    t.integer('mailbox_id').unsigned().nullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.integer('account_id').unsigned().nullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('opener', 320).notNullable(); // the mailbox address or the client's username
    t.string('subject', 200).notNullable();
    t.string('category', 16).notNullable();
    t.string('status', 8).notNullable().defaultTo('open'); // open | closed
    t.string('last_side', 8).notNullable().defaultTo('opener'); // opener | support
    t.bigInteger('created_ms').notNullable();
    t.bigInteger('updated_ms').notNullable();
    t.bigInteger('closed_ms').nullable();
    t.index(['mailbox_id']);
    t.index(['account_id']);
    t.index(['status', 'updated_ms']);
    t.index(['updated_ms']);
  });
  await createTableIfMissing(knex, 'ticket_comments', (t) => {
    t.increments('id').primary();
    t.integer('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('kind', 8).notNullable(); // open | comment | close | reopen
    t.string('side', 8).notNullable(); // opener | support
    t.string('author_role', 8).notNullable(); // admin | client | user
    t.string('author', 320).notNullable(); // display name at the time
    t.text('body', 'mediumtext').nullable();
    t.bigInteger('created_ms').notNullable();
    t.index(['ticket_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ticket_comments');
  await knex.schema.dropTableIfExists('tickets');
}
