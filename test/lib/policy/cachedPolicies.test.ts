// Policies answered from memory per process, and changed through lib: seen once the
// generation is read again.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { watchGeneration } from '../../../lib/core';
import { createDomain, createMailbox, cachedDirectory, resolveRecipient } from '../../../lib/directory';
import { cachedPolicies, createPolicy, updatePolicy, assignPolicy, effectivePolicies, scopeRefFor, setMailboxOwnPolicy, setMailboxSwitches, setDomainSpamRules } from '../../../lib/policy';

describeEachEngine('cached policies', ({ t }) => {
  it('answers from memory until a change through lib, then the new policy', async () => {
    const { db } = t();
    const d = await createDomain(db, { name: 'example.com' });
    const { mailbox } = await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
    await createPolicy(db, { name: 'strict', threshold: 3, action: 'quarantine' });
    await assignPolicy(db, { domain: 'example.com' }, 'strict');
    await watchGeneration(db).refresh();
    const policies = cachedPolicies(db);
    const refs = [{ mailboxId: mailbox.id, domainId: d.id }];
    const first = await policies(refs);
    assert.deepEqual([first[0].policy.name, first[0].policy.threshold, first[0].source], ['strict', 3, 'domain']);
    // behind lib's back (no generation bump): still the cached answer
    await db('spam_policies').where({ name: 'strict' }).update({ threshold: 9 });
    assert.equal((await policies(refs))[0].policy.threshold, 3);
    await updatePolicy(db, 'strict', { threshold: 4 });
    await watchGeneration(db).refresh();
    assert.equal((await policies(refs))[0].policy.threshold, 4);
    await assignPolicy(db, { domain: 'example.com' }, null);
    await watchGeneration(db).refresh();
    assert.equal((await policies(refs))[0].source, 'default');
  });

  it('mailboxes read at RCPT: the same policies as from SQL, and a new mailbox asks nothing once its policies are known', async () => {
    const { db } = t();
    await createDomain(db, { name: 'a.example' });
    await createDomain(db, { name: 'b.example' });
    for (const local of ['own', 'shared', 'plain', 'nofilter']) await createMailbox(db, { address: `${local}@a.example`, password: 'secret-pass-1' });
    for (const local of ['one', 'two', 'three']) await createMailbox(db, { address: `${local}@b.example`, password: 'secret-pass-1' });
    await updatePolicy(db, 'default', { threshold: 6, action: 'junk' });
    await createPolicy(db, { name: 'strict', threshold: 3, action: 'quarantine' });
    await createPolicy(db, { name: 'lenient', threshold: 8, action: 'tag' });
    await assignPolicy(db, { domain: 'b.example' }, 'lenient');
    await assignPolicy(db, { mailbox: 'shared@a.example' }, 'strict');
    await setMailboxOwnPolicy(db, 'own@a.example', { threshold: 4, action: 'delete' });
    await setMailboxSwitches(db, 'nofilter@a.example', { spamFilter: false, antivirus: false, globalLists: false });
    await setMailboxSwitches(db, 'one@b.example', { spamFilter: false, antivirus: false });
    await setDomainSpamRules(db, 'b.example', { allowNoSpamFilter: false, forceAntivirus: true });
    await watchGeneration(db).refresh();
    const dir = cachedDirectory(db);
    const refsOf = async (rcpts: string[]) => {
      const out = [];
      for (const rcpt of rcpts) {
        const r = await resolveRecipient(dir, rcpt);
        assert.equal(r.status, 'local', rcpt);
        for (const target of r.status === 'local' ? r.targets : []) out.push(scopeRefFor(target));
      }
      return out;
    };
    const all = await refsOf(['own@a.example', 'shared@a.example', 'plain@a.example', 'nofilter@a.example', 'one@b.example', 'two@b.example']);
    assert.ok(all.every((r) => r.policy), 'the directory read the policy inputs with every mailbox');
    const policies = cachedPolicies(db);
    const fromSql = await effectivePolicies(db, all.map(({ policy: _, ...ref }) => ref));
    assert.deepEqual(await policies(all), fromSql);
    assert.deepEqual(
      fromSql.map((p) => [p.policy.threshold, p.source, p.switches.spamFilter, p.switches.antivirus, p.switches.globalLists]),
      [[4, 'mailbox', true, true, true], [3, 'mailbox', true, true, true], [6, 'default', true, true, true], [6, 'default', false, false, false], [8, 'domain', true, true, true], [8, 'domain', true, true, true]],
    );
    // a mailbox not seen before, whose policies are known: no query at all
    const [three] = await refsOf(['three@b.example']);
    const sql: string[] = [];
    const log = (q: { sql: string }) => sql.push(q.sql);
    db.on('query', log);
    try {
      assert.equal((await policies([three]))[0].policy.threshold, 8);
    } finally {
      db.removeListener('query', log);
    }
    assert.deepEqual(sql, []);
  });
});
