// The SQL directory the MTA reads and the mailbox functions the admin and CLI use must see
// a mailbox the same way: one row, one meaning.
import assert from 'node:assert/strict';
import { describeEachEngineShared } from '../../helpers/sharedEngineDb';
import { sqlDirectory, resolveRecipient, createDomain, createDomainAlias, createMailbox, createAlias, getMailbox } from '../../../lib/directory';

describeEachEngineShared('SQL directory', ({ t }) => {
  // Redirects stored by other tools (imports, hand-written SQL) may be separated by ';' or spaces.
  for (const stored of ['ext1@remote.test; ext2@remote.test', 'ext1@remote.test ext2@remote.test', 'ext1@remote.test,\next2@remote.test']) {
    it(`reads a stored redirect ${JSON.stringify(stored)} as the mailbox functions do`, async () => {
      const { db } = t();
      await createDomain(db, { name: 'example.com' });
      const { mailbox } = await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
      await db('mailboxes').where({ id: mailbox.id }).update({ redirect_to: stored });
      const viaLib = (await getMailbox(db, mailbox.id)).redirect_to;
      const { mailboxes } = await sqlDirectory(db).findEntries(['jean@example.com']);
      assert.deepEqual(viaLib, ['ext1@remote.test', 'ext2@remote.test']);
      assert.deepEqual(mailboxes[0].redirect_to, viaLib);
      const res = await resolveRecipient(sqlDirectory(db), 'jean@example.com');
      assert.equal(res.status, 'local');
      if (res.status === 'local') assert.deepEqual(res.targets.map((x) => (x.kind === 'external' ? x.address : x.mailbox.address)).sort(), viaLib);
    });
  }
});

// Under load the RCPT lookups go out several to a statement (lib/core coalesce): each must get
// exactly the answer it would have had alone.
describeEachEngineShared('SQL directory, lookups merged into one statement', ({ t }) => {
  it('answers every lookup of a batch as it would alone', async () => {
    const { db } = t();
    await createDomain(db, { name: 'alpha.test' });
    await createDomain(db, { name: 'beta.test' });
    await createDomain(db, { name: 'off.test', active: false });
    await createDomainAlias(db, 'alias-of-alpha.test', 'alpha.test');
    for (const address of ['jean@alpha.test', 'marie@alpha.test', 'jean@beta.test', 'paul@off.test']) await createMailbox(db, { address, password: 'secret-pass-1' });
    await createAlias(db, { address: 'ventes@alpha.test', targets: ['jean@alpha.test', 'marie@alpha.test', 'ext@remote.test'] });
    await createAlias(db, { address: 'jean@beta.test', targets: 'marie@alpha.test' }).catch(() => undefined); // a name both a mailbox and an alias, if the schema allows
    await createAlias(db, { address: '*@beta.test', targets: 'jean@beta.test' });
    const asks: [string, string[]][] = [];
    for (const domain of ['alpha.test', 'beta.test', 'off.test', 'alias-of-alpha.test', 'nowhere.test']) {
      for (const local of ['jean', 'marie', 'ventes', 'paul', 'nobody', 'jean+tag']) {
        const base = local.split('+')[0];
        asks.push([domain, [`${local}@${domain}`, `*@${domain}`, ...(base !== local ? [`${base}@${domain}`] : [])]]);
      }
    }
    const alone = sqlDirectory(db, { inFlight: 1, maxBatch: 1 });
    const expected = [];
    for (const [name, addresses] of asks) expected.push(await alone.lookupLocal!(name, addresses));
    let statements = 0;
    const count = () => statements++;
    db.on('query', count);
    try {
      const merged = sqlDirectory(db, { inFlight: 1, maxBatch: 7 });
      const got = await Promise.all(asks.map(([name, addresses]) => merged.lookupLocal!(name, addresses)));
      // one lone statement first, then batches of 7 for the rest
      assert.equal(statements, 1 + Math.ceil((asks.length - 1) / 7));
      const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
      assert.deepEqual(plain(got), plain(expected));
    } finally {
      db.removeListener('query', count);
    }
    // the answers are not all alike: the test would see rows given to the wrong lookup
    const found = expected.filter((e) => e.mailboxes.length || e.aliases.length).length;
    assert.ok(found >= 10 && found < asks.length, `${found} lookups found something`);
    assert.equal(expected.filter((e) => e.domain).length, 24);
  });
});
