// The quarantine space in Chromium (playwright-core, Debian's browser): the list (15 a page,
// tabs, score bars), the preview with its sandboxed frame (a hostile message: no script runs,
// no remote image is fetched), bulk release, the digest as a mail client would show it and
// its link page, in French and English. Screenshots go to test-artifacts/quarantine/.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { engines, type TestDb } from '../helpers/db';
import { hostileMessage } from '../helpers/quarantine';
import { storeQuarantined, previewDigest, renderDigest, linkSecret } from '../../lib/quarantine';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD, seedWorld } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'quarantine');

async function hold(t: TestDb, mailboxId: number, i: number, category: string, raw?: string) {
  const subject = `${category === 'newsletter' ? 'Les nouvelles de la semaine' : 'Offre exceptionnelle'} n°${i}`;
  const body = raw ?? `From: promo${i}@shop.test\r\nTo: alice@a.test\r\nSubject: ${subject}\r\n\r\nHello ${i}\r\n`;
  await storeQuarantined(t.db, Buffer.from(body), [{ mailboxId, category }], {
    mailFrom: `promo${i}@shop.test`,
    headerFrom: `promo${i}@shop.test`,
    subject: raw ? '<script>alert("subject")</script> Win' : subject,
    score: (i * 1.7) % 20,
    reasons: [{ rule: 'BAYES_99', points: 3.5 }],
    receivedMs: Date.now() - i * 3600_000,
  });
}

for (const engine of engines()) {
  describe(`quarantine space in Chromium [${engine}]`, function () {
    this.timeout(120_000);
    let s: AdminInBrowser;
    let base: string;
    let page: Page;
    const remoteRequests: string[] = [];
    const dialogs: string[] = [];

    before(async function () {
      s = await openAdminInBrowser(this, {
        artifacts: ARTIFACTS,
        engine,
        shotPrefix: `${engine}-`,
        viewport: { width: 1280, height: 900 },
        seed: async (t) => {
          const w = await seedWorld(t.db);
          await t.db('mailboxes').where({ id: w.mailboxA }).update({ language: 'fr' });
          await hold(t, w.mailboxA, 0, 'spam', hostileMessage('alice@a.test'));
          for (let i = 1; i <= 16; i++) await hold(t, w.mailboxA, i, i % 5 === 0 ? 'virus' : 'spam');
          for (let i = 17; i <= 19; i++) await hold(t, w.mailboxA, i, 'newsletter');
          await hold(t, w.mailboxB, 1, 'spam');
          return { send: async () => undefined };
        },
      });
      base = s.base;
      page = s.page;
      // anything that is not our own server is a remote load the page should never make
      await s.context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(base) || url.startsWith('data:')) return route.continue();
        remoteRequests.push(url);
        return route.abort();
      });
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    });

    after(() => s?.close());

    const shot = (name: string) => s.shot(name);

    it('lists the held mail 15 a page, newest first, with score bars and tabs (French)', async () => {
      await page.goto(`${base}/login`);
      await page.fill('#username', 'alice@a.test');
      await page.fill('#password', PASSWORD);
      await page.click('#login-button');
      await page.click('.sidebar a[href="/quarantine"]');
      assert.equal(await page.locator('tr.data-row').count(), 15);
      assert.equal(await page.locator('tr.data-row meter.score-bar').count(), 15);
      assert.match(await page.locator('.list-summary').innerText(), /Page 1 sur 2 · 17 éléments/);
      assert.equal(await page.locator('tr.data-row >> nth=0').getAttribute('data-id'), '1', 'the newest first');
      await shot('01-list-fr');
      await page.click('.quarantine-tabs a[data-tab="newsletters"]');
      assert.equal(await page.locator('tr.data-row').count(), 3);
      await page.selectOption('#q_category', 'newsletter');
      await page.fill('#q_subject', 'n°18');
      await page.click('#search-button');
      assert.equal(await page.locator('tr.data-row').count(), 1);
    });

    it('previews a hostile message: escaped, in a sandboxed frame, nothing runs, nothing remote loads', async () => {
      await page.goto(`${base}/quarantine/1`);
      assert.equal(await page.locator('h1.preview-subject').innerText(), '<script>alert("subject")</script> Win');
      const frame = page.frameLocator('iframe.preview-frame');
      assert.match(await frame.locator('body').innerText(), /Click here/);
      assert.equal(await frame.locator('b').innerText(), 'here');
      assert.equal(await frame.locator('img, script').count(), 0);
      assert.match(await page.locator('.preview-attachments').innerText(), /invoice\.pdf/);
      await shot('02-preview-fr');
      assert.deepEqual(dialogs, [], 'no script ran');
      assert.deepEqual(remoteRequests, [], 'nothing remote was fetched');
    });

    it('releases checked rows in bulk, then switches to English', async () => {
      await page.goto(`${base}/quarantine`);
      await page.check('tr.data-row[data-id="2"] input[name="ids"]');
      await page.check('tr.data-row[data-id="3"] input[name="ids"]');
      await page.click('#bulk-release');
      assert.match(await page.locator('.alert-success').innerText(), /2 messages libérés/);
      assert.equal(await page.locator('tr.data-row[data-id="2"]').count(), 0);
      await page.click('.flag-btn[data-lang="en"]');
      await page.goto(`${base}/quarantine`);
      assert.match(await page.locator('.quarantine-tabs').innerText(), /Held mail/);
      await shot('03-list-en');
      await page.goto(`${base}/quarantine/1`);
      await shot('04-preview-en');
    });

    it('shows the digest (French and English) and its link page', async () => {
      const secret = linkSecret(s.t.dir, {});
      await s.t.db('mailboxes').where({ address: 'alice@a.test' }).update({ language: 'fr' }); // she switched the pages to English
      for (const [mailbox, lang] of [
        ['alice@a.test', 'fr'],
        ['bob@b.test', 'en'],
      ] as const) {
        const mail = renderDigest(await previewDigest(s.t.db, mailbox, { secret, baseUrl: base }));
        await page.setContent(mail.html);
        assert.ok((await page.locator('tr.digest-row').count()) >= 1);
        assert.match(await page.locator('body').innerText(), lang === 'fr' ? /Rapport|retenus/ : /were held/);
        await page.screenshot({ path: path.join(ARTIFACTS, `${engine}-05-digest-${lang}.png`), fullPage: true });
        if (lang === 'en') {
          await page.click('tr.digest-row a:text-is("release")');
          await page.waitForURL(/\/q\//);
          assert.match(await page.locator('#link-confirm').innerText(), /Yes, release it/);
          await shot('06-link-en');
          await page.click('#link-confirm');
          assert.match(await page.locator('#link-done').innerText(), /delivered to bob@b\.test/);
        }
      }
      assert.deepEqual(remoteRequests, []);
    });
  });
}
