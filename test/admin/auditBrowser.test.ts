// The audit log page in Chromium: a client opens it from the System menu, filters by a date
// range and by type, in French then in English; no CSP violation. Screenshots go to
// test-artifacts/audit/.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { recordAudit } from '../../lib/accounts';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD, seedWorld } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'audit');
const DAY = 86400000;

describe('audit log page in Chromium', function () {
  this.timeout(120_000);
  let s: AdminInBrowser;
  let page: Page;

  before(async function () {
    s = await openAdminInBrowser(this, {
      artifacts: ARTIFACTS,
      seed: async (t) => {
        const w = await seedWorld(t.db);
        await t.db('accounts').where({ id: w.clientA }).update({ language: 'fr' });
        const at = (daysAgo: number) => Date.now() - daysAgo * DAY;
        await recordAudit(t.db, { actorRole: 'operator', actor: 'root (cli)', action: 'create', resource: 'cli:mailbox add', objectLabel: 'alice@a.test', fields: ['password'], domainId: w.domainA }, at(40));
        await recordAudit(t.db, { actorRole: 'client', actor: 'clienta', action: 'update', resource: 'mailboxes', objectId: w.mailboxA, objectLabel: 'alice@a.test', fields: ['name', 'quota_mb'], domainId: w.domainA }, at(2));
        await recordAudit(t.db, { actorRole: 'admin', actor: 'admin', action: 'delete', resource: 'aliases', objectLabel: 'info@a.test', domainId: w.domainA }, at(1));
        await recordAudit(t.db, { actorRole: 'admin', actor: 'admin', action: 'update', resource: 'domains', objectLabel: 'b.test', domainId: w.domainB }, at(1));
      },
    });
    page = s.page;
  });

  after(() => s?.close());

  const shot = (name: string) => s.shot(name);
  const rows = () => page.locator('tr.data-row');

  it('client, French then English: its domain only, filtered by date range and by type', async () => {
    await page.goto(`${s.base}/login`);
    await page.fill('#username', 'clienta');
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.click('.sidebar a[href="/audit"]');
    assert.equal(await page.locator('main h1').innerText(), 'Journal des modifications');
    assert.equal(await rows().count(), 3);
    assert.match(await rows().last().innerText(), /Ligne de commande \(root\)/);
    assert.doesNotMatch(await page.locator('main').innerText(), /b\.test/);
    await shot('01-client-fr');
    // the last 7 days only
    await page.fill('#q_from', new Date(Date.now() - 7 * DAY).toISOString().slice(0, 10));
    await page.click('#search-button');
    await page.waitForURL(/q_from=/);
    assert.equal(await rows().count(), 2);
    await page.selectOption('select[name="q_type"]', 'mailbox');
    await page.click('#search-button');
    await page.waitForURL(/q_type=mailbox/);
    assert.equal(await rows().count(), 1);
    assert.match(await rows().first().innerText(), /clienta[^]*Modification[^]*alice@a\.test[^]*name, quota_mb/);
    await shot('02-client-filtered-fr');
    await page.click('button.flag-btn[data-lang="en"]');
    await page.waitForURL(/\/audit/);
    assert.equal(await page.locator('main h1').innerText(), 'Audit log');
    assert.match(await rows().first().innerText(), /Changed/);
    await shot('03-client-filtered-en');
    assert.deepEqual(s.cspErrors, []);
  });
});
