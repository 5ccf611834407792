// The Permissions tabs in Chromium (playwright-core, Debian's browser), in French and English:
// an admin sets a client's plan (what its owners may change at most, its limits), the client
// takes a right away on one mailbox (offered only what the plan includes), and the owner's
// mailbox no longer shows that tab. Screenshots go to test-artifacts/permissions/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, serve, type Browser, type Served } from '../helpers/chromium';
import { createTestDb, type TestDb } from '../helpers/db';
import { createApp } from '../../admin/app';
import { loadSettings } from '../../lib/core';
import { clientLimits, clientPermissions, ownerPermissions } from '../../lib/accounts';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD, seedWorld, type World } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'permissions');

describe('permissions tabs in Chromium', function () {
  this.timeout(120_000);
  let t: TestDb;
  let w: World;
  let served: Served;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (chromiumMissing()) this.skip();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    t = await createTestDb('sqlite');
    w = await seedWorld(t.db);
    await t.db('accounts').where({ id: w.adminId }).update({ language: 'fr' });
    const app = createApp({ db: t.db, settings: loadSettings({ MAILHOST_DATA: t.dir, MAILHOST_DB: t.url }), sessionSecret: 'permissions-browser', sessionCleanupMs: 0 });
    served = await serve(app);
    browser = await launchChromium();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await served?.close();
    await t?.cleanup();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const box = (value: string) => page.locator(`input[type="checkbox"][value="${value}"]`);

  async function loginAs(username: string) {
    await page.context().clearCookies();
    await page.goto(`${served.base}/login`);
    await page.fill('#username', username);
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  async function language(lang: 'fr' | 'en') {
    const url = page.url();
    await page.click(`button.flag-btn[data-lang="${lang}"]`);
    await page.waitForURL(url);
  }

  it('an admin sets a client\'s plan on its Permissions tab (French, then English)', async () => {
    await loginAs('admin');
    await page.goto(`${served.base}/accounts/${w.clientA}`);
    await page.click('a[data-tab="permissions"]');
    assert.equal(await page.locator('a[data-tab="permissions"]').innerText(), 'Droits');
    assert.equal(await page.locator('input[name="client_permissions"]').count(), 6);
    await box('spam').uncheck();
    await page.fill('#f_max_domains', '3');
    await page.fill('#f_max_mailboxes', '20');
    await page.fill('#f_max_quota_mb', '');
    await page.click('#save-button');
    await page.waitForURL(/\/accounts/);
    assert.deepEqual(await clientLimits(t.db, w.clientA), { maxDomains: 3, maxMailboxes: 20, maxQuotaMb: null });
    assert.ok(!(await clientPermissions(t.db, w.clientA)).has('spam'));
    await page.goto(`${served.base}/accounts/${w.clientA}?tab=permissions`);
    assert.equal(await page.locator('#f_max_quota_mb').getAttribute('placeholder'), 'Illimité');
    await shot('01-client-plan-fr');
    await language('en');
    assert.equal(await page.locator('a[data-tab="permissions"]').innerText(), 'Permissions');
    await shot('02-client-plan-en');
  });

  it('the client takes forwarding away from one owner, offered only its plan; the owner no longer sees the tab', async () => {
    await loginAs('clienta');
    await page.goto(`${served.base}/mailboxes/${w.mailboxA}?tab=permissions`);
    assert.deepEqual(await page.locator('input[name="owner_permissions"]').evaluateAll((els) => els.map((e) => e.getAttribute("value"))), ['password', 'redirect', 'autoreply', 'senders', 'digest']);
    await box('redirect').uncheck();
    await page.click('#save-button');
    await page.waitForURL(/\/mailboxes/);
    assert.deepEqual([...(await ownerPermissions(t.db, w.mailboxA))].sort(), ['autoreply', 'digest', 'password', 'senders']);
    await page.goto(`${served.base}/mailboxes/${w.mailboxA}?tab=permissions`);
    await shot('03-mailbox-permissions-en');
    await language('fr');
    assert.equal(await page.locator('a[data-tab="permissions"]').innerText(), 'Droits');
    await shot('04-mailbox-permissions-fr');

    // its own plan, read-only, on its account
    await page.goto(`${served.base}/accounts/${w.clientA}?tab=plan`);
    assert.equal(await page.locator('#f_plan_domains').inputValue(), '1 sur 3');
    assert.equal(await page.locator('#f_plan_owner_rights').inputValue(), "tout modifier eux-mêmes sauf : Modifier les réglages de l'antispam");
    assert.equal(await page.locator('#save-button').count(), 0);
    await shot('05-client-own-plan-fr');

    await loginAs('alice@a.test');
    await page.goto(`${served.base}/mailboxes/${w.mailboxA}`);
    const tabs = await page.locator('a[data-tab]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tab')));
    assert.ok(!tabs.includes('forwarding') && !tabs.includes('spam') && !tabs.includes('permissions'), tabs.join(','));
    assert.ok(tabs.includes('autoresponder'));
    await shot('06-owner-mailbox-en');
    const refused = await page.goto(`${served.base}/mailboxes/${w.mailboxA}?tab=forwarding`);
    assert.equal(refused?.status(), 403);
    assert.match(await page.locator('main').innerText(), /not allowed/i);
    await shot('07-owner-refused-en');
  });
});
