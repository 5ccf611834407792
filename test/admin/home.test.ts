// The mailbox owner's home page over HTTP: services, the addresses that reach the mailbox
// (aliases, forwards, catch-all, domain aliases), the quota figures, the last 7 days, the mail
// client settings from the configuration, and the webmail link only when one is configured.
// Admin and client dashboards are unchanged.
import assert from 'node:assert/strict';
import { createApp } from '../../admin/app';
import { loadSettings } from '../../lib/core';
import { StatsBatcher } from '../../lib/stats';
import { updateMailbox } from '../../lib/directory';
import { createAutoreply } from '../../lib/autoreply';
import { setMailboxPermissions } from '../../lib/accounts';
import { describeEachEngine, type TestDb } from '../helpers/db';
import { login, seedWorld, textOf, PASSWORD } from './helpers';

function appWith(t: TestDb, env: NodeJS.ProcessEnv = {}) {
  const settings = loadSettings({ MAILHOST_DATA: t.dir, MAILHOST_DB: t.url, MAILHOST_MAIL_HOST: 'mail.isp.example', MAILHOST_SUBMISSION_LISTEN: '0.0.0.0:587', ...env });
  return createApp({ db: t.db, settings, sessionSecret: 'home-test', sessionCleanupMs: 0 });
}

const quotaText = (html: string) => textOf(/id="home-quota-text">([^<]*)</.exec(html)?.[1] ?? '').trim();
const section = (html: string, id: string) => {
  const m = new RegExp(`id="${id}"[^>]*>([^]*?)</(?:table|ul|div)>`).exec(html);
  assert.ok(m, `no #${id}`);
  return textOf(m[1]).trim();
};

describeEachEngine('mailbox owner home page', ({ t }) => {
  it('lists the services, every address that reaches the mailbox, the quota and the last 7 days', async () => {
    const db = t().db;
    const w = await seedWorld(db);
    await updateMailbox(db, w.mailboxA, { quotaMb: 100, redirectTo: 'elsewhere@example.org', keepCopy: true });
    await db('mailboxes').where({ id: w.mailboxA }).update({ used_bytes: 25 * 1024 * 1024 });
    await createAutoreply(db, w.mailboxA, { enabled: true, bodyText: 'Away.' });
    const b = new StatsBatcher(db);
    b.add({ mailboxId: w.mailboxA, domainId: w.domainA }, { received: 4, inbox: 3, junk: 1, bytes: 4000 });
    b.add({ mailboxId: w.mailboxB, domainId: w.domainB }, { received: 50, inbox: 50 });
    await b.stop();

    const s = await login(appWith(t()), 'alice@a.test', PASSWORD);
    const r = await s.get('/');
    assert.equal(r.status, 200);
    const on = (key: string) => new RegExp(`data-service="${key}" data-on="(yes|no)"`).exec(r.text)?.[1];
    assert.deepEqual(['mailbox', 'redirect', 'autoresponder', 'spam', 'antivirus'].map(on), ['yes', 'yes', 'yes', 'yes', 'yes']);
    assert.match(section(r.text, 'home-services'), /Forwarding On to elsewhere@example\.org, a copy kept here/);
    assert.match(section(r.text, 'home-services'), /Autoresponder On answering now/);

    const addresses = section(r.text, 'home-addresses');
    for (const a of ['alice@a.test the mailbox', 'info@a.test alias', 'team@a.test forward', '(also sent to others)', '*@a.test catch-all', 'alice@a-alias.test domain alias through alice@a.test', 'info@a-alias.test']) {
      assert.ok(addresses.includes(a), `${a} in: ${addresses}`);
    }
    assert.doesNotMatch(addresses, /bob|b\.test/);

    assert.match(r.text, /data-percent="25"/);
    assert.match(quotaText(r.text), /25 MB of 100 MB \(25 %\)/);
    assert.match(r.text, /<svg [^>]*aria-label="25 MB of 100 MB \(25 %\)"/);

    const stats = section(r.text, 'home-stats');
    assert.match(stats, /Total 4 3 1 0$/);
    assert.equal((r.text.match(/<tr data-day="\d{4}-\d\d-\d\d">/g) ?? []).length, 7);

    const clients = section(r.text, 'home-clients');
    assert.match(clients, /IMAP \(incoming\) mail\.isp\.example 143 STARTTLS/);
    assert.match(clients, /SMTP \(outgoing\) mail\.isp\.example 587 STARTTLS/);
    assert.doesNotMatch(clients, /POP3/);
    assert.doesNotMatch(r.text, /id="webmail-link"/);
    assert.doesNotMatch(r.text, /\sstyle=|<script(?![^>]*\bsrc=)/);
  });

  it('links a service to its settings only when the owner may change them', async () => {
    const db = t().db;
    const w = await seedWorld(db);
    const s = await login(appWith(t()), 'alice@a.test', PASSWORD);
    const before = (await s.get('/')).text;
    assert.match(before, new RegExp(`href="/mailboxes/${w.mailboxA}\\?tab=forwarding"`));
    assert.match(before, new RegExp(`href="/mailboxes/${w.mailboxA}/autoreplies"`));
    await setMailboxPermissions(db, w.mailboxA, { redirect: false, autoreply: false });
    const after = (await s.get('/')).text;
    assert.doesNotMatch(after, /\?tab=forwarding"/);
    assert.doesNotMatch(after, /\/autoreplies"/);
    assert.match(after, new RegExp(`href="/mailboxes/${w.mailboxA}\\?tab=spam"`), 'the spam settings are still allowed');
  });

  it('shows the webmail link only when MAILHOST_WEBMAIL_URL is set; ports and POP3 from the configuration; in French', async () => {
    const db = t().db;
    await seedWorld(db);
    await db('mailboxes').where({ address: 'bob@b.test' }).update({ language: 'fr', used_bytes: 5 * 1024 * 1024 });
    const app = appWith(t(), { MAILHOST_WEBMAIL_URL: 'https://webmail.isp.example/', MAILHOST_IMAP_PORTS: '993/ssl', MAILHOST_POP3_PORTS: '995/ssl', MAILHOST_SUBMISSION_TLS_LISTEN: '0.0.0.0:465' });
    const s = await login(app, 'bob@b.test', PASSWORD);
    const r = await s.get('/');
    assert.match(r.text, /<a class="btn btn-primary" id="webmail-link" href="https:\/\/webmail\.isp\.example\/"/);
    const clients = section(r.text, 'home-clients');
    assert.match(clients, /IMAP \(réception\) mail\.isp\.example 993 SSL\/TLS POP3 \(réception\) mail\.isp\.example 995 SSL\/TLS/);
    assert.match(clients, /SMTP \(envoi\) mail\.isp\.example 587 STARTTLS SMTP \(envoi\) mail\.isp\.example 465 SSL\/TLS/);
    assert.match(quotaText(r.text), /5 Mo \(sans limite\)/);
    assert.match(section(r.text, 'home-services'), /Transfert Désactivé/);
  });

  it('admin and client keep their dashboard, with how many of their mailboxes are 90 % full', async () => {
    const w = await seedWorld(t().db);
    await t().db('mailboxes').where({ id: w.mailboxA }).update({ quota_mb: 10, used_bytes: 9.5 * 1024 * 1024 });
    await t().db('mailboxes').where({ id: w.mailboxB }).update({ quota_mb: 10, used_bytes: 8 * 1024 * 1024 });
    const app = appWith(t());
    for (const [who, full] of [['admin', '1 mailbox is 90 % full or more'], ['clienta', '1 mailbox is 90 % full or more'], ['clientb', null]] as const) {
      const r = await (await login(app, who)).get('/');
      assert.equal(r.status, 200);
      assert.match(r.text, /home-card/);
      assert.doesNotMatch(r.text, /id="home-services"/);
      if (full) assert.match(r.text, new RegExp(`id="home-nearly-full">.*href="/mailboxes\\?sort=used_bytes">${full.replace(/[%]/g, '%')}</a>`));
      else assert.doesNotMatch(r.text, /home-nearly-full/);
    }
  });
});
