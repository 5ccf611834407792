// The Permissions tabs in Chromium (playwright-core, Debian's browser), in French and English:
// an admin sets a client's plan (what its owners may change at most, its limits), the client
// takes a right away on one mailbox (offered only what the plan includes), and the owner's
// mailbox no longer shows that tab. Screenshots go to test-artifacts/permissions/.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { clientLimits, clientPermissions, ownerPermissions } from '../../lib/accounts';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD, seedWorld, type World } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'permissions');

describe('permissions tabs in Chromium', function () {
  this.timeout(120_000);
  let s: AdminInBrowser;
  let w: World;
  let page: Page;

  before(async function () {
    s = await openAdminInBrowser(this, {
      artifacts: ARTIFACTS,
      seed: async (t) => {
        w = await seedWorld(t.db);
        await t.db('accounts').where({ id: w.adminId }).update({ language: 'fr' });
      },
    });
    page = s.page;
  });

  after(() => s?.close());

  const shot = (name: string) => s.shot(name);
  const box = (value: string) => page.locator(`input[type="checkbox"][value="${value}"]`);

  async function loginAs(username: string) {
    await page.context().clearCookies();
    await page.goto(`${s.base}/login`);
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
    await page.goto(`${s.base}/accounts/${w.clientA}`);
    await page.click('a[data-tab="permissions"]');
    assert.equal(await page.locator('a[data-tab="permissions"]').innerText(), 'Droits');
    assert.equal(await page.locator('input[name="client_permissions"]').count(), 6);
    await box('spam').uncheck();
    await page.fill('#f_max_domains', '3');
    await page.fill('#f_max_mailboxes', '20');
    await page.fill('#f_max_quota_mb', '');
    await page.click('#save-button');
    await page.waitForURL(/\/accounts/);
    assert.deepEqual(await clientLimits(s.t.db, w.clientA), { maxDomains: 3, maxMailboxes: 20, maxQuotaMb: null });
    assert.ok(!(await clientPermissions(s.t.db, w.clientA)).has('spam'));
    await page.goto(`${s.base}/accounts/${w.clientA}?tab=permissions`);
    assert.equal(await page.locator('#f_max_quota_mb').getAttribute('placeholder'), 'Illimité');
    await shot('01-client-plan-fr');
    await language('en');
    assert.equal(await page.locator('a[data-tab="permissions"]').innerText(), 'Permissions');
    await shot('02-client-plan-en');
  });

  it('the client takes forwarding away from one owner, offered only its plan; the owner no longer sees the tab', async () => {
    await loginAs('clienta');
    await page.goto(`${s.base}/mailboxes/${w.mailboxA}?tab=permissions`);
    assert.deepEqual(await page.locator('input[name="owner_permissions"]').evaluateAll((els) => els.map((e) => e.getAttribute("value"))), ['password', 'redirect', 'autoreply', 'senders', 'digest']);
    await box('redirect').uncheck();
    await page.click('#save-button');
    await page.waitForURL(/\/mailboxes/);
    assert.deepEqual([...(await ownerPermissions(s.t.db, w.mailboxA))].sort(), ['autoreply', 'digest', 'password', 'senders']);
    await page.goto(`${s.base}/mailboxes/${w.mailboxA}?tab=permissions`);
    await shot('03-mailbox-permissions-en');
    await language('fr');
    assert.equal(await page.locator('a[data-tab="permissions"]').innerText(), 'Droits');
    await shot('04-mailbox-permissions-fr');

    // its own plan, read-only, on its account
    await page.goto(`${s.base}/accounts/${w.clientA}?tab=plan`);
    assert.equal(await page.locator('#f_plan_domains').inputValue(), '1 sur 3');
    assert.equal(await page.locator('#f_plan_owner_rights').inputValue(), "tout modifier eux-mêmes sauf : Modifier les réglages de l'antispam");
    assert.equal(await page.locator('#save-button').count(), 0);
    await shot('05-client-own-plan-fr');

    await loginAs('alice@a.test');
    await page.goto(`${s.base}/mailboxes/${w.mailboxA}`);
    const tabs = await page.locator('a[data-tab]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tab')));
    assert.ok(!tabs.includes('forwarding') && !tabs.includes('spam') && !tabs.includes('permissions'), tabs.join(','));
    assert.ok(tabs.includes('autoresponder'));
    await shot('06-owner-mailbox-en');
    const refused = await page.goto(`${s.base}/mailboxes/${w.mailboxA}?tab=forwarding`);
    assert.equal(refused?.status(), 403);
    assert.match(await page.locator('main').innerText(), /not allowed/i);
    await shot('07-owner-refused-en');
  });
});
