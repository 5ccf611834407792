// The help desk in Chromium (playwright-core, Debian's browser): a mailbox owner who reads
// French opens a ticket from the "Assistance" menu, the domain's client (in English) answers
// from the "Help desk" list, the owner reads the answer, closes and reopens the ticket; the
// notices reach a loopback SMTP sink in each reader's language; no CSP violation. Screenshots
// go to test-artifacts/helpdesk/.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { simpleParser } from 'mailparser';
import { openAdminInBrowser, type AdminInBrowser } from '../helpers/chromium';
import { startSink, type Sink } from '../helpers/smtp';
import { REPO_ROOT } from '../../admin/paths';
import { PASSWORD, seedWorld } from './helpers';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'helpdesk');

describe('help desk in Chromium', function () {
  this.timeout(120_000);
  let s: AdminInBrowser;
  let sink: Sink;
  let page: Page;
  let ticketUrl = '';

  before(async function () {
    s = await openAdminInBrowser(this, {
      artifacts: ARTIFACTS,
      seed: async (t) => {
        const w = await seedWorld(t.db);
        await t.db('mailboxes').where({ id: w.mailboxA }).update({ language: 'fr', name: 'Alice Martin' });
        await t.db('accounts').where({ id: w.clientA }).update({ email: 'support@a-corp.test' });
        sink = await startSink();
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

  async function loginAs(username: string) {
    await s.context.clearCookies(); // a test that failed midway left its login behind
    await page.goto(`${s.base}/login`);
    await page.fill('#username', username);
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  it('a mailbox owner opens a ticket in French from the "Assistance" menu', async () => {
    await loginAs('alice@a.test');
    await page.click('.sidebar a[href="/tickets"]');
    await page.waitForURL(`${s.base}/tickets`);
    assert.equal((await page.locator('main h1').innerText()).trim(), 'Assistance');
    await shot('01-user-list-empty-fr');
    await page.click('#add-button');
    await page.fill('#f_subject', 'Je ne reçois plus de messages');
    await page.selectOption('#f_category', 'reception');
    await page.fill('#f_text', 'Bonjour,\ndepuis ce matin ma boîte ne reçoit plus rien.');
    assert.match(await page.locator('#save-button').innerText(), /Envoyer/);
    await shot('02-user-new-ticket-fr');
    await page.click('#save-button');
    await page.waitForURL(/\/tickets\/\d+$/);
    ticketUrl = page.url();
    assert.match(await page.locator('main h1').innerText(), /Ticket n° \d+ : Je ne reçois plus de messages/);
    assert.equal(await page.locator('#ticket-status').innerText(), 'Ouvert');
    assert.match(await page.locator('#ticket-thread').innerText(), /depuis ce matin ma boîte ne reçoit plus rien/);
    await shot('03-user-ticket-opened-fr');
    const [notice] = await sink.waitFor(1);
    assert.deepEqual(notice.to, ['support@a-corp.test']);
    assert.match((await simpleParser(notice.raw)).subject ?? '', /New ticket: Je ne reçois plus de messages/);
    await page.click('#logout-button');
  });

  it('the client answers in English from the "Help desk" list', async () => {
    await loginAs('clienta');
    await page.click('.sidebar a[href="/tickets"]');
    assert.equal((await page.locator('main h1').innerText()).trim(), 'Help desk');
    await page.selectOption('select[name="q_status"]', 'open');
    await page.click('#search-button');
    await page.waitForURL(/q_status=open/);
    assert.match(await page.locator('table.list-table tbody').innerText(), /Receiving mail[^]*alice@a\.test[^]*Open/);
    await shot('04-client-list-en');
    await page.click('table.list-table tbody a.row-link >> nth=0');
    await page.waitForURL(ticketUrl);
    await page.fill('#comment-text', 'Your mailbox was full: I raised its quota to 2 GB.');
    await shot('05-client-answer-en');
    await page.click('#comment-button');
    await page.waitForURL(ticketUrl);
    assert.match(await page.locator('.alert-success').innerText(), /Your answer was sent/);
    assert.equal(await page.locator('#ticket-thread .ticket-comment').count(), 2);
    await shot('06-client-answered-en');
    const mails = await sink.waitFor(2);
    const toUser = await simpleParser(mails[1].raw);
    assert.deepEqual(mails[1].to, ['alice@a.test']);
    assert.match(toUser.subject ?? '', /Nouvelle réponse : Je ne reçois plus de messages/);
    assert.match(toUser.text ?? '', /Client A a répondu à la demande/);
    await page.click('#logout-button');
  });

  it('the owner reads the answer, closes the ticket and reopens it, in French then English', async () => {
    await loginAs('alice@a.test');
    await page.goto(ticketUrl);
    assert.match(await page.locator('#ticket-thread').innerText(), /Client A[^]*Support[^]*I raised its quota/);
    await page.click('#close-button');
    await page.waitForURL(ticketUrl);
    assert.equal(await page.locator('#ticket-status').innerText(), 'Fermé');
    assert.match(await page.locator('#ticket-thread').innerText(), /Fermé par Alice Martin le/);
    await shot('07-user-closed-fr');
    await page.click('.topbar button.flag-btn[data-lang="en"]');
    await page.waitForURL(ticketUrl);
    assert.equal(await page.locator('#ticket-status').innerText(), 'Closed');
    await page.click('#reopen-button');
    await page.waitForURL(ticketUrl);
    assert.equal(await page.locator('#ticket-status').innerText(), 'Open');
    assert.match(await page.locator('#ticket-thread').innerText(), /Reopened by Alice Martin on/);
    await shot('08-user-reopened-en');
    await page.click('.sidebar a[href="/tickets"]');
    assert.match(await page.locator('table.list-table tbody').innerText(), /Je ne reçois plus de messages[^]*Receiving mail[^]*Open[^]*Requester/);
    await shot('09-user-list-en');
    const mails = await sink.waitFor(4);
    assert.deepEqual(
      await Promise.all(mails.slice(2).map(async (m) => `${m.to.join()} ${(await simpleParser(m.raw)).subject}`)),
      [`support@a-corp.test [Ticket #${ticketUrl.split('/').pop()}] Closed: Je ne reçois plus de messages`, `support@a-corp.test [Ticket #${ticketUrl.split('/').pop()}] Reopened: Je ne reçois plus de messages`],
    );
    assert.deepEqual(s.cspErrors, []);
  });
});
