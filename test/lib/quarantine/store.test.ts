// The quarantine store on SQLite and MariaDB: shared compressed storage, listing with filters
// and paging, preview, release exactly once into the Maildir, delete, false positives,
// settings and the retention purge (lib, and the master-process schedule).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describeEachEngine } from '../../helpers/db';
import { type Db, MailhostError } from '../../../lib/core';
import {
  storeQuarantined,
  quarantineStore,
  listQuarantine,
  getQuarantined,
  fetchQuarantinedRaw,
  previewQuarantined,
  releaseQuarantined,
  deleteQuarantined,
  flagFalsePositive,
  purgeQuarantine,
  getQuarantineSettings,
  setQuarantineSettings,
  QUARANTINE_DEFAULTS,
} from '../../../lib/quarantine';
import { listEntries } from '../../../lib/policy';
import { createDomain, createMailbox, getMailbox, type DirMailbox } from '../../../lib/directory';
import { maildirPath, type MailhostNotes } from '../../../lib/delivery';

const DAY = 86_400_000;

function message(subject: string, body = 'Buy now!\r\n', extra = ''): Buffer {
  return Buffer.from(`From: "Spammer" <promo@spam.example>\r\nTo: jean@example.com\r\nSubject: ${subject}\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\n${extra}X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=9.0 required=5.0 tests=X\r\n\r\n${body}`);
}

function newFiles(dir: string): string[] {
  try {
    return fs.readdirSync(path.join(dir, 'new'));
  } catch {
    return [];
  }
}

describeEachEngine('quarantine store', ({ t }) => {
  async function setup(db: Db) {
    await createDomain(db, { name: 'example.com' });
    await createDomain(db, { name: 'other.example' });
    const jean = (await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' })).mailbox;
    const marie = (await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' })).mailbox;
    const paul = (await createMailbox(db, { address: 'paul@other.example', password: 'secret-pass-1' })).mailbox;
    return { jean, marie, paul };
  }
  const info = (over: Partial<Parameters<typeof storeQuarantined>[3]> = {}) => ({
    mailFrom: 'bounce@spam.example',
    headerFrom: 'promo@spam.example',
    subject: 'Cheap pills',
    score: 9.5,
    reasons: [{ rule: 'BAYES_99', points: 5 }],
    ...over,
  });

  it('stores the message once, compressed, with one row per recipient, in one transaction', async () => {
    const { db } = t();
    const { jean, marie } = await setup(db);
    const raw = message('Cheap pills', 'x'.repeat(50_000));
    const ids = await storeQuarantined(db, raw, [{ mailboxId: jean.id, category: 'spam' }, { mailboxId: marie.id, category: 'virus' }], info());
    assert.equal(ids.length, 2);
    const messages = await db('quarantine_messages').select('*');
    assert.equal(messages.length, 1, 'one stored message shared by both rows');
    const gz = Buffer.from(messages[0].raw_gz);
    assert.ok(gz.length < raw.length / 10, `compressed (${gz.length} of ${raw.length} bytes)`);
    assert.deepEqual(zlib.gunzipSync(gz), raw);
    const rows = await db('quarantine').select('message_id');
    assert.deepEqual(new Set(rows.map((r: { message_id: number }) => Number(r.message_id))), new Set([Number(messages[0].id)]));
    const a = await getQuarantined(db, ids[0]);
    assert.equal(a.mailbox, 'jean@example.com');
    assert.equal(a.category, 'spam');
    assert.equal(a.score, 9.5);
    assert.deepEqual(a.reasons, [{ rule: 'BAYES_99', points: 5 }]);
    assert.equal(a.size, raw.length);
    assert.deepEqual(await fetchQuarantinedRaw(db, ids[1]), raw);

    // a failing row insert leaves nothing behind
    await assert.rejects(storeQuarantined(db, raw, [{ mailboxId: jean.id, category: 'spam' }, { mailboxId: 999999, category: 'spam' }], info()));
    assert.equal((await db('quarantine_messages').count({ n: '*' }))[0].n, 1);
    assert.equal(Number((await db('quarantine').count({ n: '*' }))[0].n), 2);
  });

  it('stores through the delivery context with header From, decoded subject and per-target category', async () => {
    const { db } = t();
    const { jean, marie } = await setup(db);
    const mbJean = { ...jean } as unknown as DirMailbox;
    const mbMarie = { ...marie } as unknown as DirMailbox;
    const notes: MailhostNotes = {
      recipients: [{ rcpt: 'jean@example.com', recipient: 'jean@example.com', targets: [{ kind: 'local', mailbox: mbJean, via: [] }] }],
      fates: { [`L:${jean.id}`]: { action: 'quarantine', reason: 'newsletter: held by policy' }, [`L:${marie.id}`]: { action: 'quarantine', reason: 'spam: score' } },
      verdict: { score: 6.2, category: 'spam', newsletter: true, reasons: [{ rule: 'R1', points: 6.2 }] },
    };
    await quarantineStore(db)(
      [
        { key: `L:${jean.id}`, target: { kind: 'local', mailbox: mbJean, via: [] }, rcpts: ['jean@example.com'] },
        { key: `L:${marie.id}`, target: { kind: 'local', mailbox: mbMarie, via: [] }, rcpts: ['marie@example.com'] },
      ],
      message('=?utf-8?Q?Caf=C3=A9_gratuit?='),
      notes,
      'bounce@spam.example',
    );
    const { rows } = await listQuarantine(db, { limit: 10 });
    assert.deepEqual(rows.map((r) => [r.mailbox, r.category]).sort(), [['jean@example.com', 'newsletter'], ['marie@example.com', 'spam']]);
    for (const r of rows) {
      assert.equal(r.subject, 'Café gratuit');
      assert.equal(r.header_from, 'promo@spam.example');
      assert.equal(r.mail_from, 'bounce@spam.example');
      assert.equal(r.score, 6.2);
    }
  });

  it('lists newest first, paged, filtered by mailbox, domain, category, sender and subject', async () => {
    const { db } = t();
    const { jean, marie, paul } = await setup(db);
    const now = Date.now();
    for (let i = 0; i < 20; i++) {
      await storeQuarantined(db, message(`offer ${i}`), [{ mailboxId: i % 2 ? marie.id : jean.id, category: i % 5 === 0 ? 'virus' : 'spam' }], info({ subject: `Offer number ${i}`, receivedMs: now - (20 - i) * 1000, mailFrom: i === 7 ? 'odd_one%@x.example' : 'bounce@spam.example' }));
    }
    await storeQuarantined(db, message('news'), [{ mailboxId: paul.id, category: 'newsletter' }], info({ subject: 'Weekly news', headerFrom: 'News@Shop.example', receivedMs: now }));

    const page1 = await listQuarantine(db, { limit: 15 });
    assert.equal(page1.total, 21);
    assert.equal(page1.rows.length, 15);
    assert.equal(page1.rows[0].subject, 'Weekly news');
    assert.equal(page1.rows[1].subject, 'Offer number 19');
    const page2 = await listQuarantine(db, { limit: 15, offset: 15 });
    assert.deepEqual(page2.rows.map((r) => r.subject), ['Offer number 5', 'Offer number 4', 'Offer number 3', 'Offer number 2', 'Offer number 1', 'Offer number 0']);

    assert.equal((await listQuarantine(db, { mailbox: 'jean@example.com' })).total, 10);
    assert.equal((await listQuarantine(db, { domain: paul.domain_id })).total, 1);
    assert.equal((await listQuarantine(db, { mailboxIds: [jean.id, paul.id] })).total, 11);
    assert.equal((await listQuarantine(db, { mailboxIds: [] })).total, 0);
    assert.equal((await listQuarantine(db, { category: 'virus' })).total, 4);
    assert.equal((await listQuarantine(db, { sender: 'news@shop' })).total, 1, 'header From, case-insensitive');
    assert.equal((await listQuarantine(db, { sender: 'odd_one%' })).total, 1, 'LIKE wildcards in the filter are literal');
    assert.equal((await listQuarantine(db, { sender: '%' })).total, 1);
    assert.equal((await listQuarantine(db, { subject: 'NUMBER 1' })).total, 11, 'Offer number 1 and 10..19');
    assert.equal((await listQuarantine(db, { subject: 'weekly', category: 'newsletter', mailbox: 'paul@other.example' })).total, 1);
    await assert.rejects(listQuarantine(db, { category: 'ham' }), (e: MailhostError) => e.code === 'invalid');
  });

  it('previews headers and text, HTML converted to text and never returned', async () => {
    const { db } = t();
    const { jean } = await setup(db);
    const raw = Buffer.from(
      'From: "Shop" <promo@spam.example>\r\nTo: jean@example.com\r\nSubject: =?utf-8?B?UHJvbW8gw6l0w6k=?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
        '--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><script>alert(1)</script><p>Soldes <b>été</b></p><img src="http://track.example/p.gif"></html>\r\n' +
        '--b1\r\nContent-Type: application/octet-stream; name="x.exe"\r\nContent-Disposition: attachment; filename="x.exe"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b1--\r\n',
    );
    const [id] = await storeQuarantined(db, raw, [{ mailboxId: jean.id, category: 'spam' }], info());
    const p = await previewQuarantined(db, id);
    assert.equal(p.subject, 'Promo été');
    assert.equal(p.from, '"Shop" <promo@spam.example>');
    assert.match(p.text, /Soldes/);
    assert.match(p.text, /ÉTÉ|été/i);
    assert.doesNotMatch(p.text, /<script|<p>|alert\(1\)/);
    assert.ok(!('html' in p));
    assert.deepEqual(p.attachments, [{ filename: 'x.exe', contentType: 'application/octet-stream', size: 12 }]);
    assert.ok(p.headers.some((h) => h.name === 'Subject' && /utf-8/i.test(h.value)));
    // scoped to a mailbox: another mailbox's row is "not found"
    await assert.rejects(previewQuarantined(db, id, { mailbox: 'marie@example.com' }), (e: MailhostError) => e.code === 'not_found');
    await assert.rejects(getQuarantined(db, 424242), (e: MailhostError) => e.code === 'not_found');
  });

  it('releases into the INBOX exactly once, bypassing the filter, and can allow the sender', async () => {
    const { db, dir } = t();
    const { jean, marie } = await setup(db);
    const raw = message('Not spam after all');
    const [a, b] = await storeQuarantined(db, raw, [{ mailboxId: jean.id, category: 'spam' }, { mailboxId: marie.id, category: 'spam' }], info());
    const jeanDir = maildirPath(dir, 'jean@example.com');

    const r1 = await releaseQuarantined(db, a, { dataDir: dir, allowSender: true });
    assert.equal(r1.released, true);
    assert.equal(r1.allowed, 'bounce@spam.example');
    const files = newFiles(jeanDir);
    assert.equal(files.length, 1);
    const delivered = fs.readFileSync(path.join(jeanDir, 'new', files[0]), 'utf8');
    assert.match(delivered, /^Return-Path: <bounce@spam\.example>\r\nDelivered-To: jean@example\.com\r\n/);
    assert.match(delivered, /\r\nSubject: Not spam after all\r\n/);
    assert.match(delivered, /X-Spam-Flag: NO\r\n/);
    assert.doesNotMatch(delivered, /X-Spam-Flag: YES|score=9\.0 required/);
    assert.match(delivered, /\r\n\r\nBuy now!\r\n$/);
    assert.ok((await getMailbox(db, 'jean@example.com')).used_bytes > 0);
    assert.deepEqual((await listEntries(db, { mailbox: 'jean@example.com' })).map((e) => `${e.kind}:${e.pattern}`), ['allow:bounce@spam.example']);

    // twice: nothing more lands, the allow entry is not duplicated
    const r2 = await releaseQuarantined(db, a, { dataDir: dir, allowSender: true });
    assert.equal(r2.released, false);
    assert.equal(newFiles(jeanDir).length, 1);
    // concurrent releases of the other copy: one delivery
    const marieDir = maildirPath(dir, 'marie@example.com');
    const both = await Promise.all([releaseQuarantined(db, b, { dataDir: dir }), releaseQuarantined(db, b, { dataDir: dir })]);
    assert.equal(both.filter((x) => x.released).length, 1);
    assert.equal(newFiles(marieDir).length, 1);
    assert.equal(newFiles(jeanDir).length, 1, "marie's release did not touch jean's Maildir");

    const row = await getQuarantined(db, a);
    assert.equal(row.released, true);
    assert.ok(row.released_ms! > 0);
    assert.equal((await listQuarantine(db, { status: 'held' })).total, 0);
    assert.equal((await listQuarantine(db, { status: 'released' })).total, 2);
    // scoped release of someone else's row
    const [c] = await storeQuarantined(db, raw, [{ mailboxId: jean.id, category: 'spam' }], info());
    await assert.rejects(releaseQuarantined(db, c, { dataDir: dir, mailbox: 'marie@example.com' }), (e: MailhostError) => e.code === 'not_found');
  });

  it('undoes the claim when the Maildir write fails, so a later release still delivers', async () => {
    const { db, dir } = t();
    const { jean } = await setup(db);
    const [id] = await storeQuarantined(db, message('retry me'), [{ mailboxId: jean.id, category: 'spam' }], info());
    const blocker = path.join(dir, 'blocked');
    fs.writeFileSync(blocker, 'a file where a directory should be');
    await assert.rejects(releaseQuarantined(db, id, { dataDir: blocker }));
    assert.equal((await getQuarantined(db, id)).released, false);
    assert.equal((await releaseQuarantined(db, id, { dataDir: dir })).released, true);
    assert.equal(newFiles(maildirPath(dir, 'jean@example.com')).length, 1);
  });

  it('deletes one recipient\'s row and the shared message with the last one; flags false positives', async () => {
    const { db } = t();
    const { jean, marie } = await setup(db);
    const [a, b] = await storeQuarantined(db, message('x'), [{ mailboxId: jean.id, category: 'spam' }, { mailboxId: marie.id, category: 'spam' }], info());
    let learned: { as: string; domainId: number; size: number } | undefined;
    const r = await flagFalsePositive(db, a, { learn: async (_db, raw, as, o) => void (learned = { as, domainId: o.domainId, size: raw.length }) });
    assert.equal(r.reported, true);
    assert.equal((await getQuarantined(db, a)).reported, true);
    assert.deepEqual(learned, { as: 'ham', domainId: jean.domain_id, size: message('x').length });

    await deleteQuarantined(db, a);
    await assert.rejects(getQuarantined(db, a), (e: MailhostError) => e.code === 'not_found');
    assert.equal((await db('quarantine_messages').count({ n: '*' }))[0].n, 1, 'still used by the other row');
    await assert.rejects(deleteQuarantined(db, b, { mailbox: 'jean@example.com' }), (e: MailhostError) => e.code === 'not_found');
    await deleteQuarantined(db, b, { mailbox: 'marie@example.com' });
    assert.equal(Number((await db('quarantine_messages').count({ n: '*' }))[0].n), 0);
  });

  it('keeps settings with defaults and validation', async () => {
    const { db } = t();
    assert.deepEqual(await getQuarantineSettings(db), QUARANTINE_DEFAULTS);
    assert.deepEqual(await setQuarantineSettings(db, { retentionDays: 30 }), { ...QUARANTINE_DEFAULTS, retentionDays: 30 });
    assert.deepEqual(await setQuarantineSettings(db, { maxSizeBytes: 2048, retentionDays: 7 }), { retentionDays: 7, maxSizeBytes: 2048 });
    await assert.rejects(setQuarantineSettings(db, { retentionDays: 0 }), (e: MailhostError) => e.code === 'invalid');
    await assert.rejects(setQuarantineSettings(db, { maxSizeBytes: 1.5 }), (e: MailhostError) => e.code === 'invalid');
  });

  it('purges what is older than the retention, rows and stored messages', async () => {
    const { db } = t();
    const { jean, marie } = await setup(db);
    const now = Date.now();
    await storeQuarantined(db, message('old'), [{ mailboxId: jean.id, category: 'spam' }, { mailboxId: marie.id, category: 'spam' }], info({ receivedMs: now - 15 * DAY }));
    await storeQuarantined(db, message('recent'), [{ mailboxId: jean.id, category: 'spam' }], info({ receivedMs: now - 13 * DAY }));
    const r = await purgeQuarantine(db, { now });
    assert.deepEqual({ rows: r.rows, messages: r.messages }, { rows: 2, messages: 1 });
    assert.deepEqual((await listQuarantine(db)).rows.map((x) => x.subject), ['Cheap pills']);
    assert.equal(Number((await db('quarantine_messages').count({ n: '*' }))[0].n), 1);
    // configured retention
    await setQuarantineSettings(db, { retentionDays: 10 });
    assert.equal((await purgeQuarantine(db, { now })).rows, 1);
    assert.equal((await listQuarantine(db)).total, 0);
    assert.equal((await purgeQuarantine(db, { now })).rows, 0);
  });
});
