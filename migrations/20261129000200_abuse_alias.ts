// RFC 2142: abuse@ of every domain is routed like postmaster@ (an alias of kind 'postmaster':
// to its targets, else MAILHOST_POSTMASTER, else the domain's first mailbox). New domains get it
// at creation (lib/directory); this adds it to existing domains whose abuse@ is free. Re-runnable.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  const domains = await knex('domains').select('id', 'name');
  for (const d of domains) {
    const address = `abuse@${d.name}`;
    const taken = (await knex('aliases').where({ address }).first('id')) || (await knex('mailboxes').where({ address }).first('id'));
    if (taken) continue;
    await knex('aliases').insert({ domain_id: d.id, local_part: 'abuse', address, kind: 'postmaster' });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('aliases').where({ local_part: 'abuse', kind: 'postmaster' }).delete();
}
