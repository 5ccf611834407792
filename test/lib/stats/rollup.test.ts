// The monthly rollup of statistics on SQLite and MariaDB: whole months older than the age are
// summed into stats_monthly and their daily rows deleted; totals over any period are the same
// before and after; a second run changes nothing; a failed month leaves its daily rows; a
// period reaching into a rolled-up month shows it as one entry (the whole month); the daily
// purge and `mailhost stats rollup` run it.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { COUNTERS, readDailyStats, rollupStats, statsDailyDays, topDomains, type DailyStats, type StatsScope } from '../../../lib/stats';
import { purgeAll } from '../../../lib/maintenance';
import { createDomain, createMailbox } from '../../../lib/directory';
import { main } from '../../../bin/cli';
import type { Db } from '../../../lib/core';

const NOW = Date.UTC(2026, 10, 29, 12); // 400 days before: 2025-10-25, so months up to 2025-09 are old

function totals(rows: DailyStats[]): Record<string, number> {
  return Object.fromEntries(COUNTERS.map((c) => [c, rows.reduce((n, r) => n + r[c], 0)]));
}

describeEachEngine('stats monthly rollup', ({ t }) => {
  async function seed(db: Db) {
    const d = await createDomain(db, { name: 'example.com' });
    const other = await createDomain(db, { name: 'other.test' });
    const jean = (await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' })).mailbox;
    const zoe = (await createMailbox(db, { address: 'zoe@other.test', password: 'secret-pass-1' })).mailbox;
    const row = (day: string, who: { id: number; domain_id: number } | null, counts: Record<string, number>) => ({ day, mailbox_id: who?.id ?? 0, domain_id: who?.domain_id ?? 0, ...counts });
    const rows = [
      row('2025-08-15', jean, { received: 2, inbox: 2, bytes: 200 }),
      row('2025-08-20', jean, { received: 3, junk: 3, bytes: 300 }),
      row('2025-08-20', zoe, { received: 7, inbox: 7, bytes: 700 }),
      row('2025-08-31', null, { refused_rcpt: 1 }),
      row('2025-09-30', jean, { received: 4, quarantined: 4, quarantined_spam: 4, bytes: 400 }),
      row('2025-10-05', jean, { received: 5, inbox: 5, bytes: 500 }), // its month is not whole: stays daily
      row('2026-11-28', jean, { received: 1, inbox: 1, autoreplies: 1, bytes: 100 }),
    ];
    for (const r of rows) await db('stats_daily').insert(r); // rows of different columns: one by one
    return { d, other, jean, zoe };
  }

  const scopes = (w: Awaited<ReturnType<typeof seed>>): StatsScope[] => [{}, { mailboxId: w.jean.id }, { domainId: w.d.id }, { domainIds: [w.d.id, w.other.id] }];

  it('sums whole old months into monthly rows, deletes their days, and keeps every total', async () => {
    const db = t().db;
    const w = await seed(db);
    const before = await Promise.all(scopes(w).map((s) => readDailyStats(db, { ...s, days: 3660, now: NOW })));
    const year = await readDailyStats(db, { days: 365, now: NOW });
    const r = await rollupStats(db, { olderThanDays: 400, now: NOW });
    assert.deepEqual(r, { before: '2025-10-01', months: [{ month: '2025-08', dailyRows: 4 }, { month: '2025-09', dailyRows: 1 }] });
    const monthly = await db('stats_monthly').orderBy(['month', 'mailbox_id']).select('month', 'mailbox_id', 'received', 'junk', 'refused_rcpt', 'bytes');
    assert.deepEqual(
      monthly.map((m) => [m.month, Number(m.mailbox_id), Number(m.received), Number(m.junk), Number(m.refused_rcpt), Number(m.bytes)]),
      [
        ['2025-08', 0, 0, 0, 1, 0],
        ['2025-08', w.jean.id, 5, 3, 0, 500],
        ['2025-08', w.zoe.id, 7, 0, 0, 700],
        ['2025-09', w.jean.id, 4, 0, 0, 400],
      ],
    );
    assert.deepEqual((await db('stats_daily').orderBy('day').select('day')).map((x) => x.day), ['2025-10-05', '2026-11-28']);
    const after = await Promise.all(scopes(w).map((s) => readDailyStats(db, { ...s, days: 3660, now: NOW })));
    assert.deepEqual(after.map(totals), before.map(totals));
    assert.deepEqual(totals(after[1]), { ...totals(before[1]), received: 15 });
    // the 365-day charts never reach a rolled-up month: the same, day by day
    assert.deepEqual(await readDailyStats(db, { days: 365, now: NOW }), year);
  });

  it('a second run (or a run with nothing old) changes nothing', async () => {
    const db = t().db;
    await seed(db);
    await rollupStats(db, { olderThanDays: 400, now: NOW });
    const snapshot = async () => [await db('stats_daily').orderBy('id').select('*'), await db('stats_monthly').orderBy('id').select('*')];
    const first = await snapshot();
    assert.deepEqual((await rollupStats(db, { olderThanDays: 400, now: NOW })).months, []);
    assert.deepEqual(await snapshot(), first);
  });

  it('a rollup that fails after adding the month (a crash) leaves the daily rows and no monthly row', async () => {
    const db = t().db;
    const w = await seed(db);
    const before = await readDailyStats(db, { days: 3660, now: NOW });
    // deleting the days fails once the monthly rows are written: the month's transaction must undo them
    if (t().engine === 'sqlite') await db.raw(`CREATE TRIGGER crash BEFORE DELETE ON stats_daily BEGIN SELECT RAISE(ABORT, 'crash'); END`);
    else await db.raw(`CREATE TRIGGER crash BEFORE DELETE ON stats_daily FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'crash'`);
    await assert.rejects(rollupStats(db, { olderThanDays: 400, now: NOW }), /crash/);
    assert.equal((await db('stats_monthly').select('id')).length, 0);
    assert.equal((await db('stats_daily').select('id')).length, 7);
    await db.raw('DROP TRIGGER crash');
    await rollupStats(db, { olderThanDays: 400, now: NOW });
    assert.deepEqual(totals(await readDailyStats(db, { days: 3660, now: NOW })), totals(before));
    assert.equal(totals(await readDailyStats(db, { mailboxId: w.jean.id, days: 3660, now: NOW })).received, 15);
  });

  it('a period reaching into rolled-up months: one entry per month, whole, plus a day written late into it', async () => {
    const db = t().db;
    const w = await seed(db);
    await rollupStats(db, { olderThanDays: 400, now: NOW });
    const rows = await readDailyStats(db, { mailboxId: w.jean.id, days: 500, now: NOW }); // from 2025-07-18
    assert.equal(rows.length, 500 - 30 - 29);
    const aug = rows.find((r) => r.day === '2025-08')!;
    assert.equal(aug.received, 5);
    assert.equal(rows.find((r) => r.day === '2025-09')?.received, 4);
    assert.ok(rows.findIndex((r) => r.day === '2025-07-31') < rows.indexOf(aug));
    assert.equal(rows[rows.indexOf(aug) + 1].day, '2025-09');
    assert.equal(rows[rows.indexOf(aug) + 2].day, '2025-10-01');
    // a flush retried late into August: counted with the month, then rolled into it
    await db('stats_daily').insert({ day: '2025-08-02', mailbox_id: w.jean.id, domain_id: w.jean.domain_id, received: 10, bytes: 1000 });
    const late = await readDailyStats(db, { mailboxId: w.jean.id, days: 500, now: NOW });
    assert.equal(late.find((r) => r.day === '2025-08')?.received, 15);
    assert.deepEqual((await rollupStats(db, { olderThanDays: 400, now: NOW })).months, [{ month: '2025-08', dailyRows: 1 }]);
    assert.deepEqual(await readDailyStats(db, { mailboxId: w.jean.id, days: 500, now: NOW }), late);
    // the top domains count rolled-up months too
    assert.deepEqual((await topDomains(db, { days: 500, now: NOW })).map((d) => [d.name, d.received]), [['example.com', 25], ['other.test', 7]]);
  });

  it('the daily purge rolls up with MAILHOST_STATS_DAILY_DAYS; so does `mailhost stats rollup`', async () => {
    const db = t().db;
    await seed(db);
    assert.equal(statsDailyDays({}), 400);
    assert.equal(statsDailyDays({ MAILHOST_STATS_DAILY_DAYS: '30' }), 30);
    assert.throws(() => statsDailyDays({ MAILHOST_STATS_DAILY_DAYS: '0' }), /MAILHOST_STATS_DAILY_DAYS/);
    const r = await purgeAll(db, { statsDailyDays: 450, now: NOW }); // before 2025-09-01: August only
    assert.deepEqual(r.stats.months, [{ month: '2025-08', dailyRows: 4 }]);
    const out: string[] = [];
    const err: string[] = [];
    const olderThan = 30 + Math.floor((Date.now() - NOW) / 86400000); // 30 days before NOW, whenever the test runs
    const code = await main(['stats', 'rollup', '--older-than', String(olderThan), '--json'], { env: { MAILHOST_DB: t().url, MAILHOST_DATA: t().dir }, out: (s) => out.push(s), err: (s) => err.push(s) });
    assert.equal(code, 0, err.join('\n'));
    const months = (JSON.parse(out.join('\n')) as { months: { month: string }[] }).months.map((m) => m.month);
    assert.deepEqual(months, ['2025-09', '2025-10']);
    assert.equal((await db('stats_daily').select('id')).length, 1);
  });
});
