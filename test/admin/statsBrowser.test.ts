// The statistics page in Chromium (playwright-core, Debian's browser): the SVG charts render
// under the strict CSP (no violation reported), in French and in English, for an admin (with
// the top domains) and for a mailbox owner. Screenshots go to test-artifacts/stats/.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { StatsBatcher } from '../../lib/stats';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD, seedWorld } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'stats');
const DAY = 86400000;

describe('statistics page in Chromium', function () {
  this.timeout(120_000);
  let s: AdminInBrowser;
  let page: Page;

  before(async function () {
    s = await openAdminInBrowser(this, {
      artifacts: ARTIFACTS,
      seed: async (t) => {
        const w = await seedWorld(t.db);
        await t.db('accounts').where({ id: w.adminId }).update({ language: 'fr' });
        // 30 days of varied traffic for alice (a.test) and bob (b.test)
        for (let i = 0; i < 30; i++) {
          const b = new StatsBatcher(t.db, { now: () => Date.now() - i * DAY });
          const n = (i * 7) % 11;
          b.add({ mailboxId: w.mailboxA, domainId: w.domainA }, { received: n + 2, inbox: n + 1, junk: 1, bytes: (n + 2) * 4000 });
          b.add({ mailboxId: w.mailboxB, domainId: w.domainB }, { received: n, inbox: Math.max(n - 2, 0), quarantined: Math.min(n, 2), quarantined_spam: Math.min(n, 2), refused_rcpt: i % 3, forwarded: i % 2, bytes: n * 3000 });
          await b.stop();
        }
      },
    });
    page = s.page;
  });

  after(() => s?.close());

  const shot = (name: string) => s.shot(name);

  async function loginAs(username: string) {
    await page.goto(`${s.base}/login`);
    await page.fill('#username', username);
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  it('admin, French then English: six charts of 30 bars, the top domains, no CSP violation', async () => {
    await loginAs('admin');
    await page.click('.sidebar a[href="/stats"]');
    await page.click('#stats-periods a[href="/stats?days=30"]');
    await page.waitForURL(/days=30/);
    assert.equal(await page.locator('main h1').innerText(), 'Statistiques');
    assert.equal(await page.locator('figure.stats-chart svg').count(), 6);
    assert.equal(await page.locator('figure.stats-chart').first().locator('rect').count(), 30);
    const box = await page.locator('figure.stats-chart svg').first().boundingBox();
    assert.ok(box && box.width > 200 && box.height > 40, `chart drawn: ${JSON.stringify(box)}`);
    assert.match(await page.locator('#stats-top').innerText(), /a\.test[^]*b\.test/);
    await shot('01-admin-30-days-fr');
    await page.click('button.flag-btn[data-lang="en"]');
    await page.waitForURL(/\/stats/);
    assert.equal(await page.locator('main h1').innerText(), 'Statistics');
    assert.match(await page.locator('#stats-totals').innerText(), /Received/);
    await shot('02-admin-30-days-en');
    await page.click('#logout-button');
    assert.deepEqual(s.cspErrors, []);
  });

  it('mailbox owner: their own figures over 365 days', async () => {
    await loginAs('bob@b.test');
    await page.click('.sidebar a[href="/stats"]');
    await page.click('#stats-periods a[href="/stats?days=365"]');
    await page.waitForURL(/days=365/);
    assert.equal(await page.locator('figure.stats-chart').first().locator('rect').count(), 365);
    assert.doesNotMatch(await page.locator('main').innerText(), /a\.test/);
    await shot('03-user-365-days-en');
    assert.deepEqual(s.cspErrors, []);
  });
});
