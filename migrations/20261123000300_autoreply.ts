// Autoresponders (issue 4): several named autoreplies per mailbox (Plesk), a per-mailbox
// attachment pool, and the memory of whom each autoreply answered, shared in SQL by every
// Haraka node. Dates are ISO-8601 UTC strings ("2026-11-23T08:00:00.000Z"): the same on
// SQLite and MariaDB, readable, and ordered correctly by plain string comparison.
import type { Knex } from 'knex';
import { createTableIfMissing, isMysql } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await createTableIfMissing(knex, 'autoreplies', (t) => {
    t.increments('id').primary();
    t.integer('mailbox_id').unsigned().notNullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.string('name', 100).notNullable();
    t.boolean('enabled').notNullable().defaultTo(false);
    t.string('reply_condition', 20).notNullable().defaultTo('always'); // always | subject_contains | body_contains
    t.string('condition_text', 255).nullable();
    t.string('subject', 255).nullable(); // null = "Re: <incoming subject>"
    t.string('reply_to', 320).nullable(); // Reply-To of our reply
    t.text('body_text', 'mediumtext').notNullable();
    t.text('body_html', 'mediumtext').nullable(); // set = multipart/alternative
    t.string('starts_at', 24).nullable(); // ISO UTC; null = since always
    t.string('ends_at', 24).nullable(); // ISO UTC, exclusive; null = no end
    t.integer('max_per_day').notNullable().defaultTo(1); // replies per correspondent per 24 h
    t.integer('max_correspondents').notNullable().defaultTo(1000); // remembered correspondents
    t.string('forward_to', 320).nullable(); // forward incoming mail there while active
    t.integer('generation').notNullable().defaultTo(1); // bumped on each new activation period
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
    t.unique(['mailbox_id', 'name']);
    t.index(['mailbox_id', 'enabled']);
  });

  await createTableIfMissing(knex, 'autoreply_attachments', (t) => {
    t.increments('id').primary();
    t.integer('mailbox_id').unsigned().notNullable().references('id').inTable('mailboxes').onDelete('CASCADE');
    t.string('filename', 255).notNullable();
    t.string('content_type', 127).notNullable();
    t.integer('size').notNullable();
    if (isMysql(knex)) t.specificType('content', 'longblob').notNullable();
    else t.binary('content').notNullable();
    t.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
    t.unique(['mailbox_id', 'filename']);
  });

  await createTableIfMissing(knex, 'autoreply_attachment_links', (t) => {
    t.integer('autoreply_id').unsigned().notNullable().references('id').inTable('autoreplies').onDelete('CASCADE');
    t.integer('attachment_id').unsigned().notNullable().references('id').inTable('autoreply_attachments').onDelete('CASCADE');
    t.primary(['autoreply_id', 'attachment_id']);
    t.index(['attachment_id']);
  });

  await createTableIfMissing(knex, 'autoreply_memory', (t) => {
    t.increments('id').primary();
    t.integer('autoreply_id').unsigned().notNullable().references('id').inTable('autoreplies').onDelete('CASCADE');
    t.string('correspondent', 320).notNullable(); // the address we replied to, normalised
    t.integer('generation').notNullable(); // activation period this count belongs to
    t.string('window_start', 24).notNullable(); // ISO UTC: start of the current 24 h window
    t.integer('count').notNullable().defaultTo(0); // replies in that window
    t.string('last_at', 24).notNullable(); // ISO UTC of the last reply (oldest forgotten first)
    t.unique(['autoreply_id', 'correspondent']);
    t.index(['autoreply_id', 'last_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['autoreply_memory', 'autoreply_attachment_links', 'autoreply_attachments', 'autoreplies']) {
    await knex.schema.dropTableIfExists(table);
  }
}
