// The statistics batcher on SQLite and MariaDB: counts wait in memory, one flush adds them to
// the table (twice adds twice), addresses resolve to their mailbox or domain, a failed flush
// keeps its counts for the next one, and reading gives one entry per day.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { StatsBatcher, readDailyStats, statsDay } from '../../../lib/stats';
import { createDomain, createMailbox } from '../../../lib/directory';
import type { Db } from '../../../lib/core';

const NOW = Date.UTC(2026, 10, 29, 12);
const DAY = 86400000;

describeEachEngine('stats batcher', ({ t }) => {
  async function setup(db: Db) {
    const d = await createDomain(db, { name: 'example.com' });
    const jean = (await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' })).mailbox;
    return { d, jean };
  }

  it('writes nothing until the flush, then adds each flush to the same row', async () => {
    const db = t().db;
    const { jean } = await setup(db);
    const b = new StatsBatcher(db, { now: () => NOW });
    b.add({ mailboxId: jean.id, domainId: jean.domain_id }, { received: 1, inbox: 1, bytes: 100 });
    b.add({ mailboxId: jean.id, domainId: jean.domain_id }, { received: 1, junk: 1, bytes: 50 });
    assert.equal((await db('stats_daily').count({ n: '*' }))[0].n, 0);
    await b.flush();
    b.add({ address: 'jean@example.com' }, { autoreplies: 1 });
    await b.stop();
    const rows = await db('stats_daily').select('*');
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0].day, Number(rows[0].received), Number(rows[0].inbox), Number(rows[0].junk), Number(rows[0].bytes), Number(rows[0].autoreplies)], [statsDay(NOW), 2, 1, 1, 150, 1]);
  });

  it('an address that is no mailbox counts for its domain, a foreign one globally', async () => {
    const db = t().db;
    const { d, jean } = await setup(db);
    const b = new StatsBatcher(db, { now: () => NOW });
    b.add({ address: 'nobody@example.com' }, { refused_rcpt: 1 });
    b.add({ address: 'x@elsewhere.test' }, { refused_rcpt: 1 });
    await b.stop();
    const [domainDay] = await readDailyStats(db, { domainId: d.id, days: 1, now: NOW });
    const [boxDay] = await readDailyStats(db, { mailboxId: jean.id, days: 1, now: NOW });
    const [allDay] = await readDailyStats(db, { days: 1, now: NOW });
    assert.equal(domainDay.refused_rcpt, 1);
    assert.equal(boxDay.refused_rcpt, 0);
    assert.equal(allDay.refused_rcpt, 2);
  });

  it('a failed flush keeps the counts for the next one', async () => {
    const db = t().db;
    const { jean } = await setup(db);
    const lines: string[] = [];
    const b = new StatsBatcher(db, { now: () => NOW, log: (l) => lines.push(l) });
    b.add({ mailboxId: jean.id, domainId: jean.domain_id }, { inbox: 1, received: 1 });
    await db.schema.renameTable('stats_daily', 'stats_daily_away');
    await b.flush();
    assert.equal(b.size, 1);
    assert.match(lines[0], /flush failed, 1 entries kept/);
    await db.schema.renameTable('stats_daily_away', 'stats_daily');
    await b.flush();
    assert.equal(b.size, 0);
    const [day] = await readDailyStats(db, { mailboxId: jean.id, days: 1, now: NOW });
    assert.equal(day.inbox, 1);
  });

  it('a busy flush (more rows and addresses than one statement takes) writes everything, once', async () => {
    const db = t().db;
    const { d } = await setup(db);
    const b = new StatsBatcher(db, { now: () => NOW });
    for (let i = 1; i <= 1200; i++) b.add({ mailboxId: 100000 + i, domainId: d.id }, { inbox: 1, received: 1 });
    for (let i = 1; i <= 1100; i++) b.add({ address: `gone${i}@example.com` }, { refused_rcpt: 1 });
    await b.stop();
    assert.equal(b.size, 0);
    const [day] = await readDailyStats(db, { domainId: d.id, days: 1, now: NOW });
    assert.deepEqual([day.inbox, day.refused_rcpt], [1200, 1100]);
  });

  it('reads one entry per day of the period, oldest first, zeros where nothing was counted', async () => {
    const db = t().db;
    const { jean } = await setup(db);
    const b = new StatsBatcher(db, { now: () => NOW - 2 * DAY });
    b.add({ mailboxId: jean.id, domainId: jean.domain_id }, { quarantined: 1, quarantined_spam: 1, received: 1 });
    await b.stop();
    const days = await readDailyStats(db, { days: 3, now: NOW });
    assert.deepEqual(days.map((d) => [d.day, d.quarantined, d.quarantined_spam]), [[statsDay(NOW - 2 * DAY), 1, 1], [statsDay(NOW - DAY), 0, 0], [statsDay(NOW), 0, 0]]);
    await assert.rejects(readDailyStats(db, { days: 0 }), /days must be/);
  });
});
