// The mailbox owner's home page and the manual in Chromium (playwright-core, Debian's browser),
// in French then English: services, addresses, the quota bar drawn under the strict CSP, the
// last 7 days, mail client settings with the webmail button; the manual from the header's help
// link (to the section of the page) and from the sign-in page. Screenshots: test-artifacts/home/.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { StatsBatcher } from '../../lib/stats';
import { updateMailbox } from '../../lib/directory';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD, seedWorld } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'home');
const DAY = 86400000;

describe('home page and manual in Chromium', function () {
  this.timeout(120_000);
  let s: AdminInBrowser;
  let page: Page;

  before(async function () {
    s = await openAdminInBrowser(this, {
      artifacts: ARTIFACTS,
      seed: async (t) => {
        const w = await seedWorld(t.db);
        await updateMailbox(t.db, w.mailboxA, { name: 'Alice Martin', quotaMb: 500, language: 'fr', redirectTo: 'alice@elsewhere.example', keepCopy: true });
        await t.db('mailboxes').where({ id: w.mailboxA }).update({ used_bytes: 462 * 1024 * 1024 });
        for (let i = 0; i < 7; i++) {
          const b = new StatsBatcher(t.db, { now: () => Date.now() - i * DAY });
          b.add({ mailboxId: w.mailboxA, domainId: w.domainA }, { received: 3 + ((i * 5) % 7), inbox: 2 + ((i * 5) % 7), junk: 1, quarantined: i % 2, bytes: 9000 });
          await b.stop();
        }
        return {
          env: {
            MAILHOST_MAIL_HOST: 'mail.isp.example',
            MAILHOST_IMAP_PORTS: '993/ssl,143/starttls',
            MAILHOST_SUBMISSION_LISTEN: '0.0.0.0:587',
            MAILHOST_SUBMISSION_TLS_LISTEN: '0.0.0.0:465',
            MAILHOST_WEBMAIL_URL: 'https://webmail.isp.example/',
          },
        };
      },
    });
    page = s.page;
  });

  after(() => s?.close());

  const shot = (name: string) => s.shot(name);

  it('the mailbox owner lands on the home page, in French then English', async () => {
    await page.goto(`${s.base}/login`);
    await page.fill('#username', 'alice@a.test');
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(`${s.base}/`);
    assert.equal(await page.locator('main h1').innerText(), 'Bienvenue, Alice Martin');
    assert.match(await page.locator('#home-services tr[data-service="redirect"]').innerText(), /Transfert\s+Activé\s+vers alice@elsewhere\.example, avec une copie conservée ici/);
    assert.match(await page.locator('#home-quota-text').innerText(), /462 Mo sur 500 Mo \(92 %\)/);
    assert.match(await page.locator('#home-quota').innerText(), /presque pleine/);
    const bar = await page.locator('#home-quota svg').boundingBox();
    assert.ok(bar && bar.width > 200 && bar.height >= 10, `quota bar drawn: ${JSON.stringify(bar)}`);
    const addresses = await page.locator('#home-addresses').innerText();
    for (const a of ['alice@a.test', 'info@a.test', 'team@a.test', '*@a.test', 'alice@a-alias.test']) assert.ok(addresses.includes(a), `${a} in ${addresses}`);
    assert.equal(await page.locator('#home-stats tbody tr').count(), 7);
    assert.equal(await page.locator('figure.stats-chart svg rect').count(), 7);
    assert.match(await page.locator('#home-clients').innerText(), /IMAP \(réception\)\s+mail\.isp\.example\s+993\s+SSL\/TLS/);
    assert.equal(await page.locator('#webmail-link').getAttribute('href'), 'https://webmail.isp.example/');
    await shot('01-user-home-fr');

    await page.click('button.flag-btn[data-lang="en"]');
    await page.waitForURL(`${s.base}/`);
    assert.equal(await page.locator('main h1').innerText(), 'Welcome, Alice Martin');
    assert.match(await page.locator('#home-quota-text').innerText(), /462 MB of 500 MB \(92 %\)/);
    assert.match(await page.locator('#home-clients').innerText(), /SMTP \(outgoing\)\s+mail\.isp\.example\s+465\s+SSL\/TLS/);
    await shot('02-user-home-en');
    assert.deepEqual(s.cspErrors, []);
  });

  it('the header help link opens the manual at the section of the page, in English then French', async () => {
    await page.click('#help-link');
    await page.waitForURL(`${s.base}/help#home`);
    assert.equal(await page.locator('main h1').innerText(), 'Help');
    assert.equal(await page.locator('#manual-contents li').count(), 10);
    assert.ok(await page.locator('#home-title').isVisible());
    await page.click('#manual-contents a[href="#mail-client"]');
    assert.match(await page.locator('#manual-servers').innerText(), /IMAP \(incoming\)\s+mail\.isp\.example\s+993/);
    await shot('03-manual-en');
    await page.click('button.flag-btn[data-lang="fr"]');
    await page.waitForURL(/\/help$/);
    assert.equal(await page.locator('main h1').innerText(), 'Aide');
    assert.equal(await page.locator('#quarantine-title').innerText(), 'La quarantaine');
    await page.goto(`${s.base}/help#digest`);
    await shot('04-manual-fr');
    await page.goto(`${s.base}/quarantine`);
    assert.equal(await page.locator('#help-link').getAttribute('href'), '/help#quarantine');
    await page.click('#logout-button');
    assert.deepEqual(s.cspErrors, []);
  });

  it('the sign-in page links to the manual, readable without signing in', async () => {
    await page.goto(`${s.base}/login?lang=en`);
    await page.click('#help-link');
    await page.waitForURL(`${s.base}/help`);
    assert.equal(await page.locator('h1').innerText(), 'Help');
    await page.click('a.flag-link[data-lang="fr"]');
    await page.waitForURL(/lang=fr/);
    assert.equal(await page.locator('h1').innerText(), 'Aide');
    await shot('05-manual-signed-out-fr');
    await page.click('#back-to-login');
    await page.waitForURL(/\/login/);
    assert.deepEqual(s.cspErrors, []);
  });
});
