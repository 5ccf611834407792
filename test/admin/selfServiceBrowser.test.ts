// Lost password and the sessions page in Chromium (playwright-core, Debian's chromium), in
// French then English; screenshots in test-artifacts/admin/ (gitignored) for a human to look at.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { simpleParser } from 'mailparser';
import { startSink, type Sink } from '../helpers/smtp';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { createDomain, createMailbox } from '../../lib/directory';
import { REPO_ROOT } from '../../admin/paths';
import { login, PASSWORD } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'admin');
const NEW_PASSWORD = 'Brand-new-pass-31';

describe('lost password and sessions in Chromium', function () {
  this.timeout(120_000);
  let s: AdminInBrowser;
  let sink: Sink;
  let page: Page;

  before(async function () {
    s = await openAdminInBrowser(this, {
      artifacts: ARTIFACTS,
      seed: async (t) => {
        sink = await startSink();
        await createDomain(t.db, { name: 'home.test' });
        const { mailbox } = await createMailbox(t.db, { address: 'camille@home.test', password: PASSWORD, language: 'fr' });
        await t.db('mailboxes').where({ id: mailbox.id }).update({ recovery_email: 'camille@elsewhere.test' });
        return { env: { MAILHOST_RELAY: `127.0.0.1:${sink.port}` } };
      },
    });
    page = s.page;
  });

  after(async () => {
    await s?.close();
    await sink?.close();
  });

  const shot = (name: string) => s.shot(name);

  it('"Mot de passe perdu ?" mails a link that sets a new password', async () => {
    await page.goto(`${s.base}/login?lang=fr`);
    await page.click('#forgot-link');
    await page.waitForURL(`${s.base}/password/forgot`);
    await page.fill('#login', 'camille@home.test');
    await shot('selfservice-01-forgot-fr');
    await page.click('#forgot-button');
    assert.match(await page.locator('#forgot-done').innerText(), /adresse de secours, un lien/);
    await shot('selfservice-02-forgot-done-fr');
    const [mail] = await sink.waitFor(1);
    const parsed = await simpleParser(mail.raw);
    assert.equal(parsed.subject, 'Choisir un nouveau mot de passe');
    const url = /http:\/\/\S+\/password\/reset\/[\w-]+/.exec(parsed.text ?? '')![0];
    await page.goto(`${s.base}${new URL(url).pathname}`);
    await page.fill('#password', NEW_PASSWORD);
    await page.fill('#password_confirm', 'Not-the-same-31');
    await page.click('#reset-button');
    assert.match(await page.locator('.alert-danger').innerText(), /différents/);
    await page.fill('#password', NEW_PASSWORD);
    await page.fill('#password_confirm', NEW_PASSWORD);
    await shot('selfservice-03-reset-fr');
    await page.click('#reset-button');
    await page.waitForURL(`${s.base}/login`);
    assert.match(await page.locator('.alert-success').innerText(), /mot de passe a été changé/);
    await page.fill('#username', 'camille@home.test');
    await page.fill('#password', NEW_PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(`${s.base}/`);
  });

  it('lists the sessions and ends another one, in French then English', async () => {
    const elsewhere = await login(s.app, 'camille@home.test', NEW_PASSWORD);
    await page.click('#sessions-link');
    await page.waitForURL(`${s.base}/sessions`);
    assert.equal(await page.locator('#sessions-table tbody tr').count(), 2);
    assert.match(await page.locator('#sessions-table').innerText(), /Cette session/);
    assert.match(await page.locator('#sessions-table').innerText(), /Chrome \/ Linux/);
    await shot('selfservice-04-sessions-fr');
    await page.click('#sessions-table tbody tr:not(:has(.badge)) button');
    await page.waitForURL(`${s.base}/sessions`);
    assert.match(await page.locator('.alert-success').innerText(), /La session a été fermée/);
    assert.equal(await page.locator('#sessions-table tbody tr').count(), 1);
    assert.equal((await elsewhere.get('/language')).headers.location, '/login');
    await page.click('.topbar button.flag-btn[data-lang="en"]');
    await page.waitForURL(`${s.base}/sessions`);
    assert.match(await page.locator('main h1').innerText(), /Sessions/);
    assert.match(await page.locator('#sessions-table').innerText(), /This session/);
    await shot('selfservice-05-sessions-en');
  });
});
