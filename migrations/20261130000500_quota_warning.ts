// The 90 % quota warning (issue 11, item 2): mailboxes.quota_warned is set when the warning mail
// for the current crossing was sent (claimed by one conditional UPDATE, so one node sends it) and
// cleared when the mailbox is found below the threshold again, which re-arms the warning.
import type { Knex } from 'knex';
import { addColumnIfMissing } from '../lib/core';

export async function up(knex: Knex): Promise<void> {
  await addColumnIfMissing(knex, 'mailboxes', (t) => {
    t.boolean('quota_warned').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  if (await knex.schema.hasColumn('mailboxes', 'quota_warned')) await knex.schema.alterTable('mailboxes', (t) => t.dropColumn('quota_warned'));
}
