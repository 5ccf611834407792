// Lists sort IDN domains by their Unicode form on both engines, paged in SQL: through lib
// (domain, mailbox, alias lists) and for rows that existed before
// the migration (it fills their keys and can be run again).
import assert from 'node:assert/strict';
import { domainToASCII } from 'node:url';
import { describeEachEngine } from '../../helpers/db';
import { createDomain, createMailbox, createAlias, createDomainAlias, listDomains, listMailboxes, listAliases, listDomainAliases } from '../../../lib/directory';
import { up } from '../../../migrations/20261130000300_policyswitch';

const ECOLE = domainToASCII('école-des-arts.fr');
const NAMES = ['fabrique.fr', ECOLE, 'delta.fr'];

describeEachEngine('IDN sort order', ({ t }) => {
  it('lib lists: école-des-arts.fr between delta.fr and fabrique.fr (domains, mailboxes, aliases, domain aliases)', async () => {
    const db = t().db;
    for (const n of NAMES) await createDomain(db, { name: n });
    assert.deepEqual((await listDomains(db)).map((d) => d.name), ['delta.fr', ECOLE, 'fabrique.fr']);
    for (const n of NAMES) await createMailbox(db, { address: `info@${n}`, password: 'secret-pass-1' });
    assert.deepEqual((await listMailboxes(db)).map((m) => m.address), ['info@delta.fr', `info@${ECOLE}`, 'info@fabrique.fr']);
    for (const n of NAMES) await createAlias(db, { address: `contact@${n}`, targets: `info@${n}` });
    const contacts = (await listAliases(db)).map((a) => a.address).filter((a) => a.startsWith('contact@'));
    assert.deepEqual(contacts, ['contact@delta.fr', `contact@${ECOLE}`, 'contact@fabrique.fr']);
    await createDomainAlias(db, 'fabrique-alias.fr', 'delta.fr');
    await createDomainAlias(db, domainToASCII('école-alias.fr'), 'delta.fr');
    await createDomainAlias(db, 'delta-alias.fr', 'delta.fr');
    assert.deepEqual((await listDomainAliases(db)).map((a) => a.name), ['delta-alias.fr', domainToASCII('école-alias.fr'), 'fabrique-alias.fr']);
  });

  it('the migration fills the keys of existing rows, and can be run again', async () => {
    const db = t().db;
    for (const n of NAMES) await createDomain(db, { name: n });
    await createMailbox(db, { address: `info@${ECOLE}`, password: 'secret-pass-1' });
    // as before the migration: no keys
    for (const table of ['domains', 'mailboxes', 'aliases', 'domain_aliases']) await db(table).update({ sort_key: null });
    await up(db);
    await up(db);
    assert.deepEqual((await listDomains(db)).map((d) => d.name), ['delta.fr', ECOLE, 'fabrique.fr']);
    assert.equal((await db('mailboxes').where({ address: `info@${ECOLE}` }).first()).sort_key, 'info@ecole-des-arts.fr');
    assert.equal((await db('aliases').where({ address: `postmaster@${ECOLE}` }).first()).sort_key, 'postmaster@ecole-des-arts.fr');
  });
});
