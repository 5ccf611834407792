// The admin in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
// browser). Screenshots go to test-artifacts/admin/ (gitignored) for a human to look at.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { createAccount } from '../../lib/accounts';
import { createDomain, createMailbox } from '../../lib/directory';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'admin');

describe('admin in Chromium (playwright-core)', function () {
  this.timeout(120_000);
  let s: AdminInBrowser;
  let page: Page;

  before(async function () {
    s = await openAdminInBrowser(this, {
      artifacts: ARTIFACTS,
      seed: async (t) => {
        // first login of this admin: no language chosen yet
        await createAccount(t.db, { username: 'boss', role: 'admin', password: PASSWORD, name: 'Béatrice Boss' });
        const other = await createDomain(t.db, { name: 'many.test' });
        for (let i = 1; i <= 40; i++) {
          await createMailbox(t.db, { address: `user${String(i).padStart(2, '0')}@${other.name}`, password: PASSWORD });
        }
      },
    });
    page = s.page;
  });

  after(() => s?.close());

  const shot = (name: string) => s.shot(name);

  it('logs in, is asked for a language at first login, and gets French', async () => {
    await page.goto(`${s.base}/login?lang=fr`);
    assert.match(await page.locator('h1').innerText(), /mailhost/);
    assert.equal(await page.locator('#login-button').innerText(), 'Se connecter');
    await shot('01-login-fr');
    await page.fill('#username', 'boss');
    await page.fill('#password', 'wrong-password');
    await page.click('#login-button');
    assert.match(await page.locator('.alert-danger').innerText(), /mot de passe incorrect/);
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(/\/language$/);
    await shot('02-choose-language');
    await page.click('button.language-choice[data-lang="fr"]');
    await page.waitForURL(`${s.base}/`);
    assert.match(await page.locator('main h1').innerText(), /Bienvenue, Béatrice Boss/);
    assert.match(await page.locator('.topbar').innerText(), /Déconnexion/);
    await shot('03-home-fr');
  });

  it('creates a domain and a mailbox', async () => {
    await page.click('.sidebar a[href="/domains"]');
    await page.click('#add-button');
    await page.fill('#f_name', 'exemple-été.test');
    await page.click('#save-button');
    await page.waitForURL(`${s.base}/domains`);
    assert.match(await page.locator('.alert-success').innerText(), /exemple-été\.test a été créé/);
    assert.match(await page.locator('.list-table tbody').innerText(), /exemple-été\.test/);
    await shot('04-domain-created');

    await page.click('.sidebar a[href="/mailboxes"]');
    await page.click('#add-button');
    // a validation error keeps what was typed
    await page.fill('#f_address_local', 'contact');
    await page.selectOption('#f_address_domain', { label: 'exemple-été.test' });
    await page.fill('#f_name', 'Contact');
    await page.fill('#f_password', 'short');
    await page.click('#save-button');
    assert.match(await page.locator('[data-field="password"] .field-error').innerText(), /au moins 8 caractères/);
    assert.equal(await page.inputValue('#f_address_local'), 'contact');
    assert.equal(await page.inputValue('#f_name'), 'Contact');
    await shot('05-mailbox-validation');
    await page.check('#f_password_generate');
    await page.click('#save-button');
    await page.waitForURL(`${s.base}/mailboxes`);
    assert.match(await page.locator('.alert-info').innerText(), /Mot de passe généré/);
    await shot('06-mailbox-created');
  });

  it('pages through a list of 41 mailboxes (15 a page) and searches it', async () => {
    await page.goto(`${s.base}/mailboxes`);
    assert.equal(await page.locator('tr.data-row').count(), 15);
    assert.match(await page.locator('.list-summary').innerText(), /Page 1 sur 3 · 41 éléments/);
    await page.click('.pagination a.page-link:text-is("3")');
    await page.waitForURL(/page=3/);
    assert.equal(await page.locator('tr.data-row').count(), 11);
    await shot('07-mailboxes-page-3');
    await page.fill('input[name="q_address"]', 'user1');
    await page.click('#search-button');
    assert.equal(await page.locator('tr.data-row').count(), 10); // user10..user19
  });

  it('opens a row by clicking it and deletes with a confirmation page', async () => {
    await page.goto(`${s.base}/mailboxes?q_address=user07`);
    await page.click('tr.data-row a.row-link >> nth=0');
    await page.waitForURL(/\/mailboxes\/\d+$/);
    await page.click('.form-tabs a[data-tab="forwarding"]');
    await page.fill('#f_redirect_to', 'somewhere@example.org; other@example.net');
    await page.check('#f_keep_copy');
    await page.click('#save-button');
    await page.waitForURL(`${s.base}/mailboxes`);
    await page.goto(`${s.base}/mailboxes?q_address=user07`);
    assert.match(await page.locator('tr.data-row').innerText(), /somewhere@example\.org, other@example\.net/);
    await page.click('tr.data-row .delete-button');
    await page.waitForURL(/\/delete$/);
    assert.match(await page.locator('.confirm-card').innerText(), /user07@many\.test/);
    await shot('08-delete-confirmation');
    await page.click('#confirm-delete');
    await page.waitForURL(`${s.base}/mailboxes`);
    assert.match(await page.locator('.alert-success').innerText(), /user07@many\.test a été supprimé/);
    await page.goto(`${s.base}/mailboxes?q_address=user07`);
    assert.equal(await page.locator('tr.data-row').count(), 0);
  });

  it('fits a phone (390 px): no sideways scrolling, Log out on screen, the list before the menu', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${s.base}/mailboxes`);
      const width = await page.evaluate('document.documentElement.scrollWidth') as number;
      assert.ok(width <= 390, `page is ${width} px wide`);
      const logout = await page.locator('#logout-button').boundingBox();
      assert.ok(logout && logout.x >= 0 && logout.x + logout.width <= 390, `Log out at ${JSON.stringify(logout)}`);
      const listTop = (await page.locator('table.list-table').boundingBox())!.y;
      const menuTop = (await page.locator('nav.sidebar').boundingBox())!.y;
      assert.ok(listTop < menuTop, 'the list comes before the menu');
      await shot('12-phone-mailboxes');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('switches to English with the flag and stays in English', async () => {
    await page.goto(`${s.base}/domains`);
    await page.click('.topbar button.flag-btn[data-lang="en"]');
    await page.waitForURL(`${s.base}/domains`);
    assert.match(await page.locator('main h1').innerText(), /Domains/);
    assert.match(await page.locator('.topbar').innerText(), /Log out/);
    await shot('09-domains-en');
    await page.goto(`${s.base}/mailboxes`);
    assert.match(await page.locator('.list-summary').innerText(), /Page 1 of 3 · 40 entries/);
    await page.click('.topbar button:has-text("Log out")');
    await page.waitForURL(/\/login$/);
    await page.goto(`${s.base}/domains`);
    await page.waitForURL(/\/login$/);
  });

  it('a mailbox user sets an autoresponder and blocks a sender, in French then English', async () => {
    await createMailbox(s.t.db, { address: 'marie@many.test', password: PASSWORD, name: 'Marie', language: 'fr' });
    await page.goto(`${s.base}/login`);
    await page.fill('#username', 'marie@many.test');
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(`${s.base}/`);
    assert.deepEqual(await page.locator('.sidebar a.nav-link').allInnerTexts(), ['Accueil', 'Ma boîte aux lettres', 'Quarantaine', 'Assistance', 'Statistiques']);
    await page.click('.sidebar a.nav-link:has-text("Ma boîte aux lettres")');
    await page.waitForURL(/\/mailboxes\/\d+$/);
    const mailboxUrl = page.url();
    assert.match(await page.locator('[data-field="current_password"]').innerText(), /Mot de passe actuel/);
    await shot('10-user-mailbox-fr');

    await page.click('.form-tabs a[data-tab="autoresponder"]');
    await page.waitForURL(/\/autoreplies$/);
    await page.click('#add-button');
    await page.fill('#f_name', 'Vacances');
    await page.selectOption('#f_condition', 'always');
    // a CR/LF cannot be typed into a one-line input; an empty subject means "Re: <subject>"
    assert.equal(await page.getAttribute('#f_subject', 'placeholder'), 'Re: <objet du message reçu>');
    await page.fill('#f_body_text', "Je suis en congés jusqu'au 4 janvier.\nCordialement, Marie");
    await page.selectOption('#f__tz', 'Europe/Paris');
    await page.check('#f_start_now');
    await page.fill('#f_max_per_day', '2');
    await shot('11-autoresponder-form-fr');
    await page.click('#save-button');
    await page.waitForURL(/\/autoreplies$/);
    assert.match(await page.locator('.alert-success').innerText(), /Vacances/);
    const row = await page.locator('tr.data-row').innerText();
    assert.match(row, /Vacances/);
    assert.match(row, /Re: <objet du message reçu>/);
    const [saved] = await s.t.db('autoreplies').select('enabled', 'starts_at', 'ends_at', 'max_per_day');
    assert.ok(saved.enabled);
    assert.equal(Date.parse(saved.ends_at) - Date.parse(saved.starts_at), 48 * 3600_000);
    assert.equal(Number(saved.max_per_day), 2);
    await shot('12-autoresponders-fr');

    await page.click('.form-tabs a[data-tab="sender_lists"]');
    await page.waitForURL(/\/senders$/);
    await page.click('#add-button');
    await page.selectOption('#f_kind', 'block');
    await page.fill('#f_pattern', 'promo@pub.example');
    await page.fill('#f_comment', 'publicité');
    await page.click('#save-button');
    await page.waitForURL(/\/senders$/);
    assert.match(await page.locator('tr.data-row').innerText(), /bloqué\s+promo@pub\.example/);
    await shot('13-senders-fr');

    await page.click('.topbar button.flag-btn[data-lang="en"]');
    await page.waitForURL(/\/senders$/);
    assert.match(await page.locator('tr.data-row').innerText(), /blocked\s+promo@pub\.example/);
    await shot('14-senders-en');
    await page.click('.form-tabs a[data-tab="autoresponder"]');
    await page.waitForURL(/\/autoreplies$/);
    assert.match(await page.locator('tr.data-row').innerText(), /Re: <subject of the received message>/);
    await page.click('tr.data-row button[data-action="disable"]');
    await page.waitForURL(/\/autoreplies$/);
    assert.equal(await page.locator('tr.data-row button[data-action="enable"]').count(), 1);
    await shot('15-autoresponders-en');
    await page.click('tr.data-row a.row-link >> nth=0');
    await shot('16-autoresponder-edit-en');
    await page.goto(`${mailboxUrl}?tab=spam`);
    await page.selectOption('#f_spam_mode', 'own');
    await page.fill('#f_own_threshold', '4');
    await page.click('#save-button');
    await page.waitForURL(/tab=spam$/);
    assert.equal(await page.inputValue('#f_own_threshold'), '4');
    await shot('17-spam-filter-en');
  });

  it('met no Content-Security-Policy violation (no inline script or style anywhere)', () => {
    assert.deepEqual(s.cspErrors, []);
  });
});
