// The overview of a mailbox for its owner's home page, on both engines: every address that
// reaches it (aliases, also through other aliases; forwards shared with others; the catch-all;
// the same addresses at domain aliases), the services, the quota figures and the last 7 days;
// and the mail client settings from the configuration.
import assert from 'node:assert/strict';
import { addressesReaching, mailboxOverview, mailClientSettings, quotaUse } from '../../../lib/overview';
import { createDomain, createDomainAlias, createMailbox, createAlias, updateMailbox } from '../../../lib/directory';
import { createAutoreply } from '../../../lib/autoreply';
import { assignPolicy, createPolicy } from '../../../lib/policy';
import { StatsBatcher } from '../../../lib/stats';
import { loadSettings } from '../../../lib/core';
import { describeEachEngine } from '../../helpers/db';

const MB = 1024 * 1024;

describe('overview: quota and mail client settings', () => {
  it('gives the quota as used / limit / whole percent, none without a limit', () => {
    assert.deepEqual(quotaUse(100, 25 * MB), { usedBytes: 25 * MB, limitBytes: 100 * MB, percent: 25 });
    assert.deepEqual(quotaUse(1, 1.5 * MB), { usedBytes: 1.5 * MB, limitBytes: MB, percent: 150 });
    assert.deepEqual(quotaUse(0, 5), { usedBytes: 5, limitBytes: 0, percent: null });
  });

  it('lists IMAP then POP3, and SMTP from the submission listeners', () => {
    const s = mailClientSettings(loadSettings({ MAILHOST_MAIL_HOST: 'mx.isp.example', MAILHOST_IMAP_PORTS: '993/ssl', MAILHOST_POP3_PORTS: '995/ssl', MAILHOST_SUBMISSION_LISTEN: '0.0.0.0:587', MAILHOST_SUBMISSION_TLS_LISTEN: '0.0.0.0:465' }));
    assert.deepEqual(s.incoming, [
      { protocol: 'imap', host: 'mx.isp.example', port: 993, security: 'ssl' },
      { protocol: 'pop3', host: 'mx.isp.example', port: 995, security: 'ssl' },
    ]);
    assert.deepEqual(s.outgoing, [
      { protocol: 'smtp', host: 'mx.isp.example', port: 587, security: 'starttls' },
      { protocol: 'smtp', host: 'mx.isp.example', port: 465, security: 'ssl' },
    ]);
    assert.equal(s.webmailUrl, undefined);
    assert.deepEqual(mailClientSettings(loadSettings({ MAILHOST_SUBMISSION_LISTEN: 'off' })).outgoing, []);
  });
});

describeEachEngine('overview of a mailbox', ({ t }) => {
  async function world() {
    const db = t().db;
    await createDomain(db, { name: 'example.com' });
    await createDomain(db, { name: 'other.org' });
    const { mailbox: jean } = await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1', quotaMb: 10 });
    await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' });
    await createAlias(db, { address: 'contact@example.com', targets: 'jean@example.com' });
    await createAlias(db, { address: 'info@other.org', targets: 'contact@example.com' }); // through another alias
    await createAlias(db, { address: 'team@example.com', targets: 'jean@example.com; marie@example.com', kind: 'forward' });
    await createAlias(db, { address: 'sales@example.com', targets: 'marie@example.com' }); // not jean's
    await createAlias(db, { address: '*@example.com', targets: 'jean@example.com' });
    await createDomainAlias(db, 'example.net', 'example.com');
    return jean;
  }

  it('finds every address that reaches the mailbox, and only those', async () => {
    await world();
    const got = await addressesReaching(t().db, 'jean@example.com');
    const view = got.map((a) => `${a.address} ${a.kind}${a.via ? ` via ${a.via}` : ''}${a.shared ? ' shared' : ''}`).sort();
    assert.deepEqual(view, [
      '*@example.com catchall',
      '*@example.net catchall via *@example.com',
      'contact@example.com alias',
      'contact@example.net domain_alias via contact@example.com',
      'info@other.org alias via contact@example.com',
      'jean@example.com mailbox',
      'jean@example.net domain_alias via jean@example.com',
      'team@example.com forward shared',
      'team@example.net domain_alias via team@example.com shared',
    ]);
    assert.equal(got[0].address, 'jean@example.com', 'the mailbox itself first');
  });

  it('says which services are on, the quota and the last 7 days of this mailbox only', async () => {
    const db = t().db;
    const jean = await world();
    let o = await mailboxOverview(db, jean.id);
    assert.deepEqual(o.services, {
      mailbox: true,
      redirect: [],
      keepCopy: false,
      autoresponder: 'off',
      spam: { action: 'tag', threshold: 5, own: false },
      antivirus: { on: true, action: 'quarantine' },
    });
    await updateMailbox(db, jean.id, { redirectTo: 'jean@home.example', keepCopy: true });
    await createAutoreply(db, jean.id, { enabled: true, bodyText: 'Back soon.', startsAt: new Date(Date.now() + 86400000).toISOString() });
    await createPolicy(db, { name: 'strict', threshold: 3, action: 'quarantine', antivirus: false });
    await assignPolicy(db, { mailbox: jean.id }, 'strict');
    await db('mailboxes').where({ id: jean.id }).update({ used_bytes: 9.5 * MB });
    const b = new StatsBatcher(db);
    b.add({ mailboxId: jean.id, domainId: jean.domain_id }, { received: 6, inbox: 4, junk: 2 });
    b.add({ address: 'marie@example.com' }, { received: 100 });
    await b.stop();

    o = await mailboxOverview(db, jean.id);
    assert.deepEqual(o.services.redirect, ['jean@home.example']);
    assert.equal(o.services.keepCopy, true);
    assert.equal(o.services.autoresponder, 'scheduled');
    assert.deepEqual(o.services.spam, { action: 'quarantine', threshold: 3, own: true });
    assert.equal(o.services.antivirus.on, false);
    assert.deepEqual(o.quota, { usedBytes: 9.5 * MB, limitBytes: 10 * MB, percent: 95 });
    assert.equal(o.stats.length, 7);
    assert.equal(o.stats.reduce((n, d) => n + d.received, 0), 6);
    assert.equal(o.stats[6].junk, 2);

    await db('mailboxes').where({ id: jean.id }).update({ active: false });
    assert.equal((await mailboxOverview(db, jean.id)).services.mailbox, false);
    await assert.rejects(mailboxOverview(db, 99999), /does not exist/);
  });
});
