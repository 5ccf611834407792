// Digest scheduling on both engines: periods, the mailbox's frequency over its domain's, one
// report per period even with two schedulers racing on the lease, the missed period sent once
// after downtime, nothing sent when nothing is held. Reports are captured as handed to the
// sender (the SMTP path is covered end to end in test/e2e/quarantine-digest.test.ts).
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { createDomain, createMailbox } from '../../../lib/directory';
import { addListEntry } from '../../../lib/policy';
import { storeQuarantined, sendWarnings, runDigests, runScheduledDigests, lastCompletedPeriod, setDigestPreferences, previewDigest, renderDigest, type OutgoingMail } from '../../../lib/quarantine';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 25, 6, 0); // Wednesday 25 November 2026, 06:00 UTC

async function hold(db: Parameters<typeof storeQuarantined>[0], mailboxId: number, receivedMs: number, subject: string, category = 'spam') {
  const raw = Buffer.from(`From: x@spam.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
  const [id] = await storeQuarantined(db, raw, [{ mailboxId, category }], { mailFrom: 'x@spam.test', headerFrom: 'x@spam.test', subject, score: 9, reasons: [], receivedMs });
  return id;
}

describe('digest periods', () => {
  it('reports the last day, ISO week and month that ended', () => {
    assert.deepEqual(lastCompletedPeriod('daily', NOW), { key: 'daily:2026-11-24', startMs: Date.UTC(2026, 10, 24), endMs: Date.UTC(2026, 10, 25) });
    assert.deepEqual(lastCompletedPeriod('weekly', NOW), { key: 'weekly:2026-11-16', startMs: Date.UTC(2026, 10, 16), endMs: Date.UTC(2026, 10, 23) });
    assert.deepEqual(lastCompletedPeriod('monthly', NOW), { key: 'monthly:2026-10', startMs: Date.UTC(2026, 9, 1), endMs: Date.UTC(2026, 10, 1) });
    assert.equal(lastCompletedPeriod('monthly', Date.UTC(2026, 0, 3)).key, 'monthly:2025-12');
  });
});

describeEachEngine('quarantine digests', ({ t }) => {
  let sent: OutgoingMail[];
  const opts = (now: number) => ({ now, secret: 's'.repeat(64), baseUrl: 'https://mail.example.net', send: async (m: OutgoingMail) => void sent.push(m) });
  beforeEach(() => {
    sent = [];
  });

  async function world() {
    const { db } = t();
    const d = await createDomain(db, { name: 'example.com' });
    const a = (await createMailbox(db, { address: 'a@example.com', password: 'Secret-pass-42', language: 'fr' })).mailbox;
    const b = (await createMailbox(db, { address: 'b@example.com', password: 'Secret-pass-42' })).mailbox;
    return { db, d, a, b };
  }

  it('sends one report per mailbox and period, in its language, newsletters first; nothing when nothing is held', async () => {
    const { db, a } = await world();
    await hold(db, a.id, NOW - 20 * 3600_000, 'Cheap pills');
    await hold(db, a.id, NOW - 19 * 3600_000, 'Weekly news', 'newsletter');
    const r = await runDigests(db, opts(NOW));
    assert.deepEqual(r.sent.map((s) => [s.mailbox, s.rows, s.period]), [['a@example.com', 2, 'daily:2026-11-24']]);
    assert.deepEqual(r.empty, [], 'b holds nothing: not even looked at');
    assert.equal((await db('digest_sent').where({ mailbox_id: (await db('mailboxes').where({ address: 'b@example.com' }).first()).id })).length, 0);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].to, 'a@example.com');
    assert.match(sent[0].subject, /Rapport de quarantaine de a@example\.com : 2 message/);
    assert.ok(sent[0].text.indexOf('Weekly news') < sent[0].text.indexOf('Cheap pills'), 'newsletters first');
    assert.match(sent[0].text, /accepter cette newsletter: https:\/\/mail\.example\.net\/q\//);
    assert.match(sent[0].text, /supprimés 14 jours après/);
    // the same period again: nothing
    assert.equal((await runDigests(db, opts(NOW + 3600_000))).sent.length, 0);
    assert.equal(sent.length, 1);
  });

  it('a scheduled run reads only the mailboxes that hold something, a handful of queries whatever their number', async () => {
    const { db, a, b } = await world();
    for (let i = 0; i < 30; i++) await createMailbox(db, { address: `idle${i}@example.com`, password: 'Secret-pass-42' });
    await hold(db, a.id, NOW - 20 * 3600_000, 'in the period');
    await hold(db, b.id, NOW - 5 * DAY, 'before the period'); // held, but older than what a first report covers
    let queries = 0;
    const count = () => void queries++;
    db.on('query', count);
    let r;
    try {
      r = await runDigests(db, opts(NOW));
    } finally {
      db.removeListener('query', count);
    }
    assert.deepEqual(r.sent.map((s) => s.mailbox), ['a@example.com']);
    assert.deepEqual(r.empty, ['b@example.com']);
    assert.ok(queries < 20, `${queries} queries for 32 mailboxes`);
    assert.equal((await db('digest_sent').where({ mailbox_id: b.id })).length, 0, 'nothing claimed for b');
    // b's old message is still reported by a forced run (everything since its previous report)
    const forced = await runDigests(db, { ...opts(NOW), mailbox: b.id, force: true });
    assert.deepEqual(forced.sent.map((s) => [s.mailbox, s.rows]), [['b@example.com', 1]]);
  });

  it("follows the mailbox's frequency over its domain's default, and none", async () => {
    const { db, d, a, b } = await world();
    await db('domains').where({ id: d.id }).update({ digest_default: 'weekly' });
    await setDigestPreferences(db, a.id, { frequency: 'none' });
    await hold(db, a.id, Date.UTC(2026, 10, 18), 'to a');
    await hold(db, b.id, Date.UTC(2026, 10, 18), 'to b');
    const r = await runDigests(db, opts(NOW));
    assert.deepEqual(r.sent.map((s) => [s.mailbox, s.period]), [['b@example.com', 'weekly:2026-11-16']]);
    await assert.rejects(setDigestPreferences(db, a.id, { frequency: 'hourly' as never }), /daily, weekly, monthly or none/);
  });

  it('two schedulers racing on one database send one report per period', async () => {
    const { db, a } = await world();
    await hold(db, a.id, NOW - 20 * 3600_000, 'once only');
    const results = await Promise.all([runScheduledDigests(db, 'node-1', opts(NOW)), runScheduledDigests(db, 'node-2', opts(NOW)), runDigests(db, opts(NOW))]);
    assert.equal(results.filter((r) => r === null).length, 1, 'one scheduler did not get the lease');
    assert.equal(sent.length, 1);
    assert.equal((await db('digest_sent').where({ mailbox_id: a.id })).length, 1);
  });

  it('after downtime, sends the missed period once, covering everything since the previous report', async () => {
    const { db, a } = await world();
    await hold(db, a.id, NOW - 20 * 3600_000, 'day one');
    await runDigests(db, opts(NOW));
    await hold(db, a.id, NOW + 1 * DAY, 'during downtime 1');
    await hold(db, a.id, NOW + 2 * DAY, 'during downtime 2');
    const later = NOW + 4 * DAY; // three periods missed
    const r = await runDigests(db, opts(later));
    assert.equal(r.sent.length, 1);
    assert.equal(r.sent[0].rows, 2);
    assert.doesNotMatch(sent[1].text, /day one/);
    assert.equal((await runDigests(db, opts(later + 3600_000))).sent.length, 0);
  });

  it('gives the period back when the report could not be sent', async () => {
    const { db, a } = await world();
    await hold(db, a.id, NOW - 20 * 3600_000, 'retry me');
    const failing = { ...opts(NOW), send: async () => Promise.reject(new Error('connection refused')) };
    const r = await runDigests(db, failing);
    assert.deepEqual(r.failed, [{ mailbox: 'a@example.com', error: 'connection refused' }]);
    assert.equal((await runDigests(db, opts(NOW + 60_000))).sent.length, 1);
  });

  it('shows the report a mailbox would get now, escaping what the sender wrote', async () => {
    const { db, b } = await world();
    await hold(db, b.id, NOW - 3600_000, '<img src=x onerror=alert(1)>');
    const d = await previewDigest(db, 'b@example.com', opts(NOW));
    const mail = renderDigest(d);
    assert.doesNotMatch(mail.html, /<img/);
    assert.match(mail.html, /&#60;img src=x onerror=alert\(1\)&#62;/);
    assert.equal(sent.length, 0);
  });

  it("warns at once, once, when a sender on the owner's warn list is held", async () => {
    const { db, a, b } = await world();
    await addListEntry(db, { mailbox: a.id, kind: 'warn', pattern: 'spam.test' });
    await addListEntry(db, { mailbox: b.id, kind: 'warn', pattern: 'friend@elsewhere.test' });
    await hold(db, a.id, NOW - 60_000, 'from a warned sender');
    await hold(db, b.id, NOW - 60_000, 'from someone else');
    const first = await sendWarnings(db, opts(NOW));
    assert.equal(first.sent.length, 1);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].to, 'a@example.com');
    assert.match(sent[0].subject, /^Retenu pour a@example\.com : from a warned sender$/);
    assert.match(sent[0].text, /libérer: https:\/\/mail\.example\.net\/q\//);
    assert.deepEqual((await sendWarnings(db, opts(NOW + 60_000))).sent, []);
    assert.equal(sent.length, 1);
  });
});
