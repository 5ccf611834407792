// lib/policy switches: a mailbox's spam filter, antivirus and server-wide lists switches,
// bounded by its domain's rules; what each does to the verdict; kept in the per-process
// policy cache until a write through lib bumps the generation.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { watchGeneration } from '../../../lib/core';
import { createDomain, createMailbox, getDomain, updateMailbox, sqlDirectory, resolveRecipient, type Target } from '../../../lib/directory';
import { categorize } from '../../../lib/spam';
import {
  effectiveSwitches,
  recipientCategory,
  setMailboxSwitches,
  getMailboxSwitches,
  setDomainSpamRules,
  effectivePolicies,
  cachedPolicies,
  addListEntry,
  envelopeBlocks,
  evaluateLists,
  loadListsFor,
  scopeRefFor,
  BUILTIN_DEFAULT_POLICY,
  ALL_ON,
  decideFate,
  fateCategory,
} from '../../../lib/policy';

describe('lib/policy switches (plain)', () => {
  it('a mailbox may turn filtering off only where its domain allows it, and antivirus off unless the domain forces it', () => {
    assert.deepEqual(effectiveSwitches(null, null), ALL_ON);
    assert.deepEqual(effectiveSwitches({ spam_filter: 0, antivirus: 0, global_lists: 0 }, {}), { spamFilter: false, antivirus: false, globalLists: false });
    assert.deepEqual(effectiveSwitches({ spam_filter: 0, antivirus: 0 }, { allow_no_spam_filter: 0, force_antivirus: 1 }), ALL_ON);
    assert.deepEqual(effectiveSwitches({ spam_filter: false }, { allow_no_spam_filter: true }).spamFilter, false);
  });

  it('the recipient category: a virus stays a virus unless antivirus is off (for the policy or the mailbox)', () => {
    const policy = { ...BUILTIN_DEFAULT_POLICY, threshold: 5 };
    const spam = { score: 9, newsletter: false, category: 'spam' };
    const virus = { score: 0, newsletter: false, category: 'virus' };
    const noAv = { ...ALL_ON, antivirus: false };
    assert.equal(recipientCategory(spam, policy, ALL_ON, categorize), 'spam');
    assert.equal(recipientCategory(virus, policy, { ...ALL_ON, spamFilter: false }, categorize), 'virus');
    assert.equal(recipientCategory(virus, policy, noAv, categorize), 'ham');
    assert.equal(recipientCategory({ ...virus, score: 9 }, policy, noAv, categorize), 'spam', 'antivirus off: still filtered for spam');
    assert.equal(recipientCategory(virus, { ...policy, antivirus: false }, ALL_ON, categorize), 'ham', "the policy's antivirus off comes first");
  });

  it('no spam filtering: spam and newsletters to the inbox untagged (reason keeps the category), a virus or a block entry still counts', () => {
    const policy = { ...BUILTIN_DEFAULT_POLICY, action: 'quarantine' as const, newsletter_action: 'junk' as const };
    const base = { policy, listing: { decision: null, newsletter: false }, external: false, size: 100, quarantineMaxBytes: 1e9, spamFilter: false };
    assert.deepEqual(decideFate({ ...base, category: 'spam' }).fate, { action: 'inbox', reason: 'spam: delivered, spam filtering off' });
    assert.equal(fateCategory(decideFate({ ...base, category: 'spam' }).fate), 'spam', 'autoreplies stay silent to it');
    assert.equal(decideFate({ ...base, category: 'newsletter' }).fate.action, 'inbox');
    assert.equal(decideFate({ ...base, category: 'virus' }).fate.action, 'quarantine');
    const blocked = { decision: 'block' as const, scope: 'mailbox' as const, pattern: '*@x.test', matched: 'from' as const, newsletter: false };
    assert.equal(decideFate({ ...base, category: 'ham', listing: blocked }).fate.action, 'quarantine');
    assert.equal(decideFate({ ...base, category: 'spam', spamFilter: true }).fate.action, 'quarantine');
  });
});

describeEachEngine('lib/policy switches', ({ t }) => {
  async function world() {
    const db = t().db;
    const d = await createDomain(db, { name: 'example.com' });
    const { mailbox: jean } = await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
    return { db, d, jean };
  }

  it('stores a mailbox switches, refuses what the domain forbids, and the domain rule wins over what was stored', async () => {
    const { db, d, jean } = await world();
    assert.deepEqual(await getMailboxSwitches(db, jean.id), { ...ALL_ON, noFilterAllowed: true, antivirusForced: false });
    const off = await setMailboxSwitches(db, 'jean@example.com', { spamFilter: false, antivirus: false, globalLists: false });
    assert.deepEqual([off.spamFilter, off.antivirus, off.globalLists], [false, false, false]);
    assert.equal((await getDomain(db, d.id)).allow_no_spam_filter, true, 'a domain allows it by default');

    const rules = await setDomainSpamRules(db, 'example.com', { allowNoSpamFilter: false, forceAntivirus: true });
    assert.deepEqual([rules.allow_no_spam_filter, rules.force_antivirus], [false, true]);
    // already off before the rule: filtered and scanned anyway
    const now = await getMailboxSwitches(db, jean.id);
    assert.deepEqual([now.spamFilter, now.antivirus, now.noFilterAllowed, now.antivirusForced], [true, true, false, true]);
    const [eff] = await effectivePolicies(db, [{ mailboxId: jean.id, domainId: d.id }]);
    assert.deepEqual(eff.switches, { spamFilter: true, antivirus: true, globalLists: false });

    await assert.rejects(setMailboxSwitches(db, jean.id, { spamFilter: false }), (e: { code?: string; message: string }) => e.code === 'forbidden' && /spam filtering cannot be turned off/.test(e.message));
    await assert.rejects(setMailboxSwitches(db, jean.id, { antivirus: false }), /virus check cannot be turned off/);
    // turning them on, or the lists switch, is always allowed
    await setMailboxSwitches(db, jean.id, { spamFilter: true, antivirus: true, globalLists: true });
    assert.deepEqual((await effectivePolicies(db, [{ mailboxId: jean.id, domainId: d.id }]))[0].switches, ALL_ON);
  });

  it('a forward of a mailbox takes its switches (looked up by address)', async () => {
    const { db, jean } = await world();
    await updateMailbox(db, jean.id, { redirectTo: 'jean@elsewhere.test' });
    await setMailboxSwitches(db, jean.id, { spamFilter: false });
    const [eff] = await effectivePolicies(db, [{ mailboxAddress: 'jean@example.com', domainName: 'example.com' }]);
    assert.equal(eff.switches.spamFilter, false);
  });

  it('the cached policies see a switch or a domain rule change through lib once the generation is read again', async () => {
    const { db, d, jean } = await world();
    await watchGeneration(db).refresh();
    const policies = cachedPolicies(db);
    const refs = [{ mailboxId: jean.id, domainId: d.id }];
    assert.equal((await policies(refs))[0].switches.spamFilter, true);
    // behind lib's back: the cached answer stays
    await db('mailboxes').where({ id: jean.id }).update({ spam_filter: false });
    assert.equal((await policies(refs))[0].switches.spamFilter, true);
    await setMailboxSwitches(db, jean.id, { spamFilter: false });
    await watchGeneration(db).refresh();
    assert.equal((await policies(refs))[0].switches.spamFilter, false);
    await setDomainSpamRules(db, d.id, { allowNoSpamFilter: false });
    await watchGeneration(db).refresh();
    assert.equal((await policies(refs))[0].switches.spamFilter, true);
  });

  it('server-wide lists off: a global block neither refuses at RCPT nor counts after DATA; its own lists still do', async () => {
    const { db, jean } = await world();
    await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' });
    await addListEntry(db, { kind: 'block', pattern: 'spammer.test' });
    await addListEntry(db, { kind: 'block', pattern: 'own@blocked.test', mailbox: jean.id });
    await setMailboxSwitches(db, jean.id, { globalLists: false });
    const dir = sqlDirectory(db);
    const targets = async (addr: string): Promise<Target[]> => {
      const r = await resolveRecipient(dir, addr);
      assert.equal(r.status, 'local');
      return r.status === 'local' ? r.targets : [];
    };
    const [jt] = await targets('jean@example.com');
    const [mt] = await targets('marie@example.com');
    assert.equal(jt.kind === 'local' && jt.mailbox.global_lists, false);
    const fromSpammer = await envelopeBlocks(db, 'boss@spammer.test', [jt, mt]);
    assert.deepEqual(fromSpammer.blocked.map((x) => x.kind === 'local' && x.mailbox.address), ['marie@example.com']);
    assert.equal((await envelopeBlocks(db, 'own@blocked.test', [jt])).blocked.length, 1, 'its own block list still applies');
    const rows = await loadListsFor(db, [scopeRefFor(jt)]);
    assert.equal(evaluateLists(rows, scopeRefFor(jt), { headerFrom: 'boss@spammer.test' }).decision, null);
    assert.equal(evaluateLists(rows, scopeRefFor(mt), { headerFrom: 'boss@spammer.test' }).decision, 'block');
  });

  it('the directory counts no global entries for a mailbox that does not use them (nothing read at RCPT)', async () => {
    const { db, jean } = await world();
    await addListEntry(db, { kind: 'block', pattern: 'spammer.test' });
    const count = async () => {
      const r = await resolveRecipient(sqlDirectory(db), 'jean@example.com');
      return r.status === 'local' && r.targets[0].kind === 'local' ? r.targets[0].mailbox.list_entries : -1;
    };
    assert.equal(await count(), 1);
    await setMailboxSwitches(db, jean.id, { globalLists: false });
    assert.equal(await count(), 0);
  });
});
