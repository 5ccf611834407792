// Which addresses a logged-in mailbox may send as (resolution through lib/directory), and who
// may log in on the submission port.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { createDomain, createMailbox, createAlias, updateMailbox, sqlDirectory } from '../../../lib/directory';
import { ownsAddress, authenticateSender, suspendSending, type Sender } from '../../../lib/submission';
import { createAccount } from '../../../lib/accounts';

const PW = 'secret-pass-1';

describeEachEngine('lib/submission sender', ({ t }) => {
  async function world(): Promise<Sender> {
    const db = t().db;
    const d = await createDomain(db, { name: 'example.com' });
    const { mailbox } = await createMailbox(db, { address: 'alice@example.com', password: PW });
    await createMailbox(db, { address: 'bob@example.com', password: PW });
    await createAlias(db, { address: 'sales@example.com', targets: 'alice@example.com' });
    await createAlias(db, { address: 'team@example.com', targets: 'alice@example.com, bob@example.com' });
    await createAlias(db, { address: 'out@example.com', targets: 'alice@example.com, far@remote.test', kind: 'forward' });
    return { mailboxId: mailbox.id, domainId: d.id, address: mailbox.address };
  }

  it('owns its address, user+tag, aliases reaching only it, and the role addresses that go to it', async () => {
    const alice = await world();
    const dir = sqlDirectory(t().db);
    const owns = async (a: string) => ownsAddress(dir, alice, a);
    for (const a of ['alice@example.com', 'Alice@EXAMPLE.com', 'alice+news@example.com', 'sales@example.com', 'postmaster@example.com', 'abuse@example.com']) assert.equal(await owns(a), true, a);
    for (const a of ['bob@example.com', 'team@example.com', 'out@example.com', 'nobody@example.com', 'ceo@bank.test', 'not an address']) assert.equal(await owns(a), false, a);
    // MAILHOST_POSTMASTER elsewhere: postmaster@ is not hers any more
    assert.equal(await ownsAddress(dir, alice, 'postmaster@example.com', { postmaster: 'hostmaster@isp.test' }), false);
    // her own address even while it redirects elsewhere
    await updateMailbox(t().db, 'alice@example.com', { redirectTo: 'far@remote.test' });
    assert.equal(await owns('alice@example.com'), true);
  });

  it('logs in mailboxes only: not accounts, not inactive or suspended mailboxes', async () => {
    const alice = await world();
    const db = t().db;
    const ok = await authenticateSender(db, 'alice@example.com', PW, '192.0.2.1');
    assert.deepEqual(ok, { ok: true, sender: alice });
    const bad = await authenticateSender(db, 'alice@example.com', 'wrong-password', '192.0.2.1');
    assert.deepEqual(bad.ok ? null : [bad.reply.code, bad.reply.dsn], [535, '5.7.8']);
    await suspendSending(db, alice.mailboxId, 72, 'spam');
    const suspended = await authenticateSender(db, 'alice@example.com', PW, '192.0.2.1');
    assert.deepEqual(suspended.ok ? null : [suspended.reply.code, suspended.reply.dsn], [535, '5.7.1']);
    // an admin account logs in to the web pages, not to send mail
    await createAccount(db, { username: 'admin', role: 'admin', password: PW });
    const admin = await authenticateSender(db, 'admin', PW, '192.0.2.2');
    assert.equal(admin.ok ? 0 : admin.reply.code, 535);
    await updateMailbox(db, 'bob@example.com', { active: false });
    const off = await authenticateSender(db, 'bob@example.com', PW, '192.0.2.1');
    assert.equal(off.ok ? 0 : off.reply.code, 535);
  });
});
