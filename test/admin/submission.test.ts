// The admin side of submission: a mailbox's sending state in the list, the "lift suspension" row
// action for the admin and the domain's client (not the mailbox owner, not another client), and
// the domain's DKIM record on a read-only tab of its page.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { makeApp, seedWorld, login, textOf } from './helpers';
import { suspendSending, sendingSuspension, addDkimKey, dkimDnsRecord, sendingLimits } from '../../lib/submission';

describeEachEngine('admin: sending suspension and DKIM', ({ t }) => {
  it('shows the suspension and lets the admin or the owning client lift it, nobody else', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    await suspendSending(t().db, w.mailboxA, 72, 'spam sent');
    const admin = await login(app, 'admin');
    const list = await admin.get('/mailboxes');
    assert.match(textOf(list.text), /alice@a\.test .*suspended until/);
    assert.match(list.text, new RegExp(`formaction="/mailboxes/${w.mailboxA}/do/lift_suspension"`));
    assert.doesNotMatch(list.text, new RegExp(`/mailboxes/${w.mailboxB}/do/lift_suspension`));

    // the owner cannot lift it, nor can another client
    const owner = await login(app, 'alice@a.test');
    await owner.post(`/mailboxes/${w.mailboxA}/do/lift_suspension`);
    assert.ok(await sendingSuspension(t().db, w.mailboxA), 'the owner lifted it');
    const other = await login(app, 'clientb');
    assert.equal((await other.post(`/mailboxes/${w.mailboxA}/do/lift_suspension`)).status, 404);
    assert.ok(await sendingSuspension(t().db, w.mailboxA));

    const client = await login(app, 'clienta');
    assert.equal((await client.post(`/mailboxes/${w.mailboxA}/do/lift_suspension`)).status, 303);
    assert.equal(await sendingSuspension(t().db, w.mailboxA), null);
    assert.match(textOf((await admin.get('/mailboxes')).text), /alice@a\.test .* ok/);
    // nothing to lift any more
    assert.equal((await admin.post(`/mailboxes/${w.mailboxA}/do/lift_suspension`)).status, 404);
  });

  it('sets the sending limits of a domain and a mailbox on their Sending tab (not the owner)', async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const DEFAULTS = { perHour: 100, rcptPerDay: 500, spamScore: 5, spamStrikes: 3, suspendHours: 72 };
    const alice = { id: w.mailboxA, domainId: w.domainA };
    const client = await login(app, 'clienta');
    assert.equal((await client.post(`/domains/${w.domainA}?tab=sending`, { send_per_hour: '20', send_rcpt_per_day: '' })).status, 303);
    assert.deepEqual(await sendingLimits(t().db, alice, DEFAULTS), { perHour: 20, rcptPerDay: 500 });
    assert.equal((await client.post(`/mailboxes/${w.mailboxA}?tab=sending`, { send_per_hour: '', send_rcpt_per_day: '7' })).status, 303);
    assert.deepEqual(await sendingLimits(t().db, alice, DEFAULTS), { perHour: 20, rcptPerDay: 7 });
    const page = await client.get(`/mailboxes/${w.mailboxA}?tab=sending`);
    assert.match(page.text, /name="send_rcpt_per_day"[^>]*value="7"/);
    const bad = await client.post(`/mailboxes/${w.mailboxA}?tab=sending`, { send_per_hour: 'lots', send_rcpt_per_day: '7' });
    assert.equal(bad.status, 422);
    assert.match(textOf(bad.text), /Enter a whole number, or leave it empty/);
    // the owner has no Sending tab
    const owner = await login(app, 'alice@a.test');
    assert.doesNotMatch((await owner.get(`/mailboxes/${w.mailboxA}`)).text, /tab=sending/);
    await owner.post(`/mailboxes/${w.mailboxA}?tab=sending`, { send_per_hour: '100000', send_rcpt_per_day: '100000' });
    assert.deepEqual(await sendingLimits(t().db, alice, DEFAULTS), { perHour: 20, rcptPerDay: 7 });
  });

  it("shows the domain's DKIM DNS record, or how to make one", async () => {
    const w = await seedWorld(t().db);
    const app = makeApp(t());
    const admin = await login(app, 'admin');
    // the record is the read-only field's value
    const field = async () => /id="f_dkim_record" value="([^"]*)"/.exec((await admin.get(`/domains/${w.domainA}?tab=dkim`)).text)?.[1];
    assert.match((await field()) ?? '', /mailhost dkim add a\.test/);
    const key = await addDkimKey(t().dir, 'a.test', { bits: 1024 });
    const { name, value } = dkimDnsRecord(key);
    assert.equal((await field())?.replace(/&#34;/g, '"'), `${name}  TXT  "${value}"`);
  });
});
