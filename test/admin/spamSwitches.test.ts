// The spam switches on a mailbox's Spam filter tab (its owner chooses) and the domain's rules
// for them on the domain form: saved through lib, refused next to the switch (in the reader's
// language) when the domain does not allow it.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, textOf } from './helpers';
import { updateMailbox } from '../../lib/directory';
import { getMailboxSwitches } from '../../lib/policy';

const SPAM_TAB = { spam_mode: 'inherit', own_threshold: '5', own_action: 'tag', own_newsletter_action: 'deliver', spam_policy_id: '' };

describeEachEngine('admin spam switches', ({ t }) => {
  it('the owner turns filtering, antivirus and the server-wide lists off and on; the domain rules then bound them', async () => {
    const db = t().db;
    const w = await seedWorld(db);
    const app = makeApp(t());
    const u = await login(app, 'alice@a.test');
    const url = `/mailboxes/${w.mailboxA}?tab=spam`;
    const tab = await u.get(url);
    for (const name of ['spam_filter', 'antivirus', 'global_lists']) assert.match(tab.text, new RegExp(`name="${name}" id="[^"]+" value="1" checked`), name);
    assert.match(textOf(tab.text), /Use the server-wide sender lists/);

    // unticked boxes are not posted: filtering and the server-wide lists off, antivirus kept
    assert.equal((await u.post(url, { ...SPAM_TAB, antivirus: '1' })).status, 303);
    let s = await getMailboxSwitches(db, w.mailboxA);
    assert.deepEqual([s.spamFilter, s.antivirus, s.globalLists], [false, true, false]);
    assert.doesNotMatch((await u.get(url)).text, /name="spam_filter" id="[^"]+" value="1" checked/);

    // the client of a.test forbids turning filtering off and forces the virus check
    const client = await login(app, 'clienta');
    const dom = await client.get(`/domains/${w.domainA}`);
    assert.match(dom.text, /name="allow_no_spam_filter" id="[^"]+" value="1" checked/);
    assert.match(dom.text, /name="force_antivirus" id="[^"]+" value="1" aria-describedby/);
    assert.equal((await client.post(`/domains/${w.domainA}`, { default_quota_mb: '0', active: '1', force_antivirus: '1' })).status, 303);
    const d = await db('domains').where({ id: w.domainA }).first();
    assert.deepEqual([!!Number(d.allow_no_spam_filter), !!Number(d.force_antivirus)], [false, true]);
    s = await getMailboxSwitches(db, w.mailboxA);
    assert.deepEqual([s.spamFilter, s.antivirus, s.noFilterAllowed, s.antivirusForced], [true, true, false, true], 'the domain rule wins over what was stored');

    // the owner can no longer turn them off: the refusal is shown next to the box, nothing saved
    const refused = await u.post(url, { ...SPAM_TAB, global_lists: '1', antivirus: '1' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /Spam filtering cannot be turned off for the mailboxes of this domain\./);
    assert.equal((await getMailboxSwitches(db, w.mailboxA)).globalLists, false, 'nothing saved');

    await updateMailbox(db, w.mailboxA, { language: 'fr' });
    const fr = await login(app, 'alice@a.test');
    const refusedFr = await fr.post(url, { ...SPAM_TAB, spam_filter: '1', global_lists: '1' });
    assert.equal(refusedFr.status, 422);
    assert.match(refusedFr.text, /Le contrôle antivirus est obligatoire pour les boîtes de ce domaine\./);

    // what the domain allows is saved
    assert.equal((await u.post(url, { ...SPAM_TAB, spam_filter: '1', antivirus: '1', global_lists: '1' })).status, 303);
    assert.equal((await getMailboxSwitches(db, w.mailboxA)).globalLists, true);
  });

  it('a new domain can be created with its rules', async () => {
    const db = t().db;
    await seedWorld(db);
    const admin = await login(makeApp(t()), 'admin');
    assert.equal((await admin.post('/domains/new', { name: 'strict.test', default_quota_mb: '0', active: '1', force_antivirus: '1' })).status, 303);
    const d = await db('domains').where({ name: 'strict.test' }).first();
    assert.deepEqual([!!Number(d.allow_no_spam_filter), !!Number(d.force_antivirus)], [false, true]);
  });
});
