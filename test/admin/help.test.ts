// The manual at /help: in the page's language (the login's, else the flags' choice, else the
// browser's), one anchored section per topic, the configured mail servers in the mail client
// section; open before signing in (linked from the sign-in page) and linked from every page's
// header to the section about that page.
import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../../admin/app';
import { helpSectionFor, manualSections } from '../../admin/setup/help';
import { loadSettings } from '../../lib/core';
import { describeEachEngine, type TestDb } from '../helpers/db';
import { login, seedWorld, session, textOf, PASSWORD } from './helpers';

const SECTIONS = ['start', 'home', 'mailbox', 'quarantine', 'digest', 'autoresponder', 'stats', 'quota', 'mail-client', 'admin'];

function appFor(t: TestDb) {
  const settings = loadSettings({ MAILHOST_DATA: t.dir, MAILHOST_DB: t.url, MAILHOST_MAIL_HOST: 'mail.isp.example', MAILHOST_IMAP_PORTS: '993/ssl' });
  return createApp({ db: t.db, settings, sessionSecret: 'help-test', sessionCleanupMs: 0 });
}

describe('manual sections', () => {
  it('both languages have the same sections in the same order, each with text', () => {
    for (const lang of ['en', 'fr']) {
      const s = manualSections(lang);
      assert.deepEqual(s.map((x) => x.id), SECTIONS);
      for (const x of s) assert.ok(x.blocks.length >= 1 && x.title, `${lang} ${x.id}`);
    }
  });

  it('the header link of a page goes to the section about it', () => {
    assert.equal(helpSectionFor('/'), 'home');
    assert.equal(helpSectionFor('/quarantine?page=2'), 'quarantine');
    assert.equal(helpSectionFor('/mailboxes/3'), 'mailbox');
    assert.equal(helpSectionFor('/mailboxes/3/autoreplies/new'), 'autoresponder');
    assert.equal(helpSectionFor('/mailboxes'), 'admin');
    assert.equal(helpSectionFor('/stats'), 'stats');
    assert.equal(helpSectionFor('/elsewhere'), '');
  });
});

describeEachEngine('manual page', ({ t }) => {
  it('is open before signing in, in the browser language or the one the flags chose; the sign-in page links to it', async () => {
    const app = appFor(t());
    const loginPage = await request(app).get('/login');
    assert.match(loginPage.text, /<a href="\/help" id="help-link">Help<\/a>/);
    const en = await request(app).get('/help').set('Accept-Language', 'en-GB,en;q=0.8');
    assert.equal(en.status, 200);
    assert.match(en.text, /<html lang="en">/);
    for (const id of SECTIONS) assert.match(en.text, new RegExp(`<section id="${id}"`));
    assert.match(en.text, /<a href="#quarantine">The quarantine<\/a>/);
    assert.match(textOf(en.text), /IMAP \(incoming\) mail\.isp\.example 993 SSL\/TLS/);
    assert.match(en.text, /id="back-to-login"/);
    assert.doesNotMatch(en.text, /id="logout-button"/);

    const s = session(app);
    const fr = await s.get('/help?lang=fr');
    assert.match(fr.text, /<html lang="fr">/);
    assert.match(fr.text, /<h1[^>]*>.*Aide<\/h1>/);
    assert.match(fr.text, /<h2 class="h5" id="digest-title">Le rapport de quarantaine<\/h2>/);
    assert.match(textOf(fr.text), /IMAP \(réception\) mail\.isp\.example 993 SSL\/TLS/);
    // the choice stays for the next page of this visitor
    assert.match((await s.get('/help')).text, /<html lang="fr">/);
  });

  it('signed in: in the login language, with the header and menu; every page header links to its section', async () => {
    const db = t().db;
    const w = await seedWorld(db);
    await db('mailboxes').where({ id: w.mailboxA }).update({ language: 'fr' });
    const app = appFor(t());
    const user = await login(app, 'alice@a.test', PASSWORD);
    const r = await user.get('/help');
    assert.equal(r.status, 200);
    assert.match(r.text, /<html lang="fr">/);
    assert.match(r.text, /id="logout-button"/);
    assert.match(r.text, /<h2 class="h5" id="mail-client-title">Configurer un logiciel de messagerie<\/h2>/);
    assert.match((await user.get('/')).text, /href="\/help#home" id="help-link" title="Aide"/);
    assert.match((await user.get('/quarantine')).text, /href="\/help#quarantine" id="help-link"/);
    assert.match((await user.get(`/mailboxes/${w.mailboxA}`)).text, /href="\/help#mailbox" id="help-link"/);

    const admin = await login(app, 'admin');
    const a = await admin.get('/help');
    assert.match(a.text, /<html lang="en">/);
    assert.match(a.text, /<h2 class="h5" id="admin-title">For providers and customers<\/h2>/);
    assert.match((await admin.get('/domains')).text, /href="\/help#admin" id="help-link" title="Help"/);
    assert.doesNotMatch(a.text, /\sstyle=|<script(?![^>]*\bsrc=)/);
  });
});
