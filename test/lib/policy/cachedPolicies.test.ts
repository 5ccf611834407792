// Policies answered from memory per process, and changed through lib: seen once the
// generation is read again.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { watchGeneration } from '../../../lib/core';
import { createDomain, createMailbox } from '../../../lib/directory';
import { cachedPolicies, createPolicy, updatePolicy, assignPolicy } from '../../../lib/policy';

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
});
