// Spam policies on SQLite and MariaDB: validation, CRUD, assignment, and which policy applies
// to a target (mailbox override > domain > default; forwards by their owner).
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { type Db, MailhostError } from '../../../lib/core';
import { createPolicy, updatePolicy, getPolicy, listPolicies, deletePolicy, assignPolicy, effectivePolicies, DEFAULT_SUBJECT_TAG, setMailboxOwnPolicy, isMailboxPolicy } from '../../../lib/policy';
import { createDomain, getDomain, createMailbox, getMailbox, deleteMailbox } from '../../../lib/directory';

const isErr = (code: string, field?: string) => (e: unknown) => e instanceof MailhostError && e.code === code && (field === undefined || e.field === field);

describeEachEngine('spam policies', ({ t }) => {
  async function setup(db: Db) {
    await createDomain(db, { name: 'example.com' });
    await createDomain(db, { name: 'other.example' });
    await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
    await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' });
  }

  it('has a default policy with the documented defaults', async () => {
    const { db } = t();
    const p = await getPolicy(db, 'default');
    assert.deepEqual(
      { threshold: p.threshold, action: p.action, tag: p.subject_tag, warning: p.warning, newsletter: p.newsletter_action, av: p.antivirus, virus: p.virus_action },
      { threshold: 5, action: 'tag', tag: DEFAULT_SUBJECT_TAG, warning: null, newsletter: 'deliver', av: true, virus: 'quarantine' },
    );
  });

  it('creates, updates, lists and deletes policies, with field errors on bad input', async () => {
    const { db } = t();
    const p = await createPolicy(db, { name: 'strict', threshold: '3.5', action: 'quarantine', subjectTag: '[SPAM]', warning: 'Careful:\nthis looks like spam.', newsletterAction: 'junk', antivirus: false, virusAction: 'reject' });
    assert.equal(p.threshold, 3.5);
    assert.equal(p.action, 'quarantine');
    assert.equal(p.warning, 'Careful:\nthis looks like spam.');
    assert.equal(p.antivirus, false);
    await assert.rejects(createPolicy(db, { name: 'strict' }), isErr('conflict', 'name'));
    await assert.rejects(createPolicy(db, { name: 'x', action: 'bounce' }), isErr('invalid', 'action'));
    await assert.rejects(createPolicy(db, { name: 'x', threshold: 'high' }), isErr('invalid', 'threshold'));
    await assert.rejects(createPolicy(db, { name: 'x', threshold: '' }), isErr('invalid', 'threshold'));
    await assert.rejects(createPolicy(db, { name: 'x', subjectTag: 'a\r\nBcc: x@y' }), isErr('invalid', 'subject_tag'));
    await assert.rejects(createPolicy(db, { name: 'x', newsletterAction: 'delete' }), isErr('invalid', 'newsletter_action'));
    await assert.rejects(createPolicy(db, { name: 'x', virusAction: 'tag' }), isErr('invalid', 'virus_action'));
    await assert.rejects(createPolicy(db, { name: 'bad name' }), isErr('invalid', 'name'));
    await assert.rejects(createPolicy(db, { name: 'none' }), isErr('invalid', 'name'));

    const u = await updatePolicy(db, 'strict', { threshold: 4, warning: '', name: 'careful' });
    assert.equal(u.name, 'careful');
    assert.equal(u.threshold, 4);
    assert.equal(u.warning, null);
    assert.equal(u.action, 'quarantine'); // untouched
    await assert.rejects(updatePolicy(db, 'default', { name: 'other' }), isErr('forbidden'));
    await assert.rejects(updatePolicy(db, 'nope', { threshold: 1 }), isErr('not_found'));

    assert.deepEqual((await listPolicies(db)).map((x) => x.name), ['careful', 'default']);
    await assert.rejects(deletePolicy(db, 'default'), isErr('forbidden'));
    await deletePolicy(db, 'careful');
    assert.deepEqual((await listPolicies(db)).map((x) => x.name), ['default']);
  });

  it('applies mailbox override > domain > default, and forwards take their owner\'s policy', async () => {
    const { db } = t();
    await setup(db);
    await createPolicy(db, { name: 'dom', action: 'junk' });
    await createPolicy(db, { name: 'box', action: 'quarantine' });
    await createPolicy(db, { name: 'fwd', action: 'delete' });
    await assignPolicy(db, { domain: 'example.com' }, 'dom');
    await assignPolicy(db, { mailbox: 'marie@example.com' }, 'box');
    await assignPolicy(db, { domain: 'other.example' }, 'fwd');
    const jean = await getMailbox(db, 'jean@example.com');
    const marie = await getMailbox(db, 'marie@example.com');
    const ex = await getDomain(db, 'example.com');

    const queries: string[] = [];
    const listener = (q: { sql: string }) => queries.push(q.sql);
    db.on('query', listener);
    const got = await effectivePolicies(db, [
      { mailboxId: jean.id, domainId: ex.id },
      { mailboxId: marie.id, domainId: ex.id },
      { mailboxAddress: 'team@other.example', domainName: 'other.example' }, // forward through an alias
      { mailboxAddress: 'marie@example.com', domainName: 'example.com' }, // forward through marie's redirect
      { mailboxAddress: 'list@nowhere.example', domainName: 'nowhere.example' },
      {},
    ]);
    db.off('query', listener);
    assert.ok(queries.length <= 3, `${queries.length} queries`);
    assert.deepEqual(
      got.map((g) => `${g.policy.name}/${g.source}`),
      ['dom/domain', 'box/mailbox', 'fwd/domain', 'box/mailbox', 'default/default', 'default/default'],
    );

    // clearing falls back a level; a deleted policy frees its users
    await assignPolicy(db, { mailbox: 'marie@example.com' }, 'none');
    assert.equal((await effectivePolicies(db, [{ mailboxId: marie.id, domainId: ex.id }]))[0].policy.name, 'dom');
    await deletePolicy(db, 'dom');
    assert.equal((await getDomain(db, 'example.com')).spam_policy_id, null);
    assert.equal((await effectivePolicies(db, [{ mailboxId: marie.id, domainId: ex.id }]))[0].policy.name, 'default');

    await assert.rejects(assignPolicy(db, { mailbox: 'nobody@example.com' }, 'box'), isErr('not_found'));
    await assert.rejects(assignPolicy(db, { domain: 'example.com' }, 'nope'), isErr('not_found'));
    await assert.rejects(assignPolicy(db, {}, 'box'), isErr('invalid'));
    const counts = await listPolicies(db);
    assert.equal(counts.find((p) => p.name === 'fwd')!.domains, 1);
  });

  it('deletes a mailbox\'s own settings with the mailbox (lib, so the CLI and the admin alike)', async () => {
    const { db } = t();
    await setup(db);
    const own = await setMailboxOwnPolicy(db, 'jean@example.com', { threshold: '3', action: 'junk' });
    assert.ok(isMailboxPolicy(own.name));
    await deleteMailbox(db, 'jean@example.com');
    assert.equal(await db('spam_policies').where({ name: own.name }).first(), undefined);
    assert.ok(await getPolicy(db, 'default')); // shared policies untouched
  });
});
