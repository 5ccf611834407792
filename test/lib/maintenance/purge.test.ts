// Daily housekeeping (lib/maintenance) on SQLite and MariaDB: quarantine retention and Bayes
// ageing (rare tokens, records of learned messages), from lib, on the master's schedule, and
// through `mailhost purge`.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { type Db, MailhostError } from '../../../lib/core';
import { purgeAll, schedulePurge } from '../../../lib/maintenance';
import { storeQuarantined, listQuarantine } from '../../../lib/quarantine';
import { learn, forget, bayesTotals, expireTokens, TOTAL_TOKEN } from '../../../lib/spam';
import { createDomain, createMailbox } from '../../../lib/directory';

const DAY = 86_400_000;
const today = () => Math.floor(Date.now() / DAY);

function mail(subject: string, body: string): Buffer {
  return Buffer.from(`From: someone@sender.example\r\nTo: jean@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
}

async function tokenRows(db: Db): Promise<{ token: string; spam: number; ham: number; learned_day: number }[]> {
  return (await db('bayes_tokens').whereNot('token', TOTAL_TOKEN).select('token', 'spam', 'ham', 'learned_day')).map((r) => ({
    token: String(r.token),
    spam: Number(r.spam),
    ham: Number(r.ham),
    learned_day: Number(r.learned_day),
  }));
}

describeEachEngine('daily purge', ({ t }) => {
  it('forgets rare tokens not learned for the given age, keeps common and fresh ones and the totals', async () => {
    const { db } = t();
    await learn(db, mail('cheap watches', 'replica watches zanzibarian offer'), 'spam');
    await learn(db, mail('cheap pills', 'replica pills offer now'), 'spam');
    const rows = await tokenRows(db);
    assert.ok(rows.length > 5);
    assert.ok(rows.every((r) => r.learned_day === today()), 'learning dates the tokens today');
    const shared = rows.filter((r) => r.spam + r.ham >= 2).length;
    const rare = rows.filter((r) => r.spam + r.ham <= 1).length;
    assert.ok(shared > 0 && rare > 0);

    // nothing is old yet
    assert.equal((await expireTokens(db, { maxAgeDays: 30 })).tokens, 0);
    // 31 days later: the rare ones go, the shared ones and the totals stay
    const later = Date.now() + 31 * DAY;
    assert.equal((await expireTokens(db, { maxAgeDays: 30, now: later })).tokens, rare);
    assert.equal((await tokenRows(db)).length, shared);
    assert.deepEqual(await bayesTotals(db), { spam: 2, ham: 0, tokens: shared });

    // learning again refreshes a token's age; the records of the aged messages went with their
    // rare tokens, so forgetting one finds nothing to undo and leaves every count as it was
    await db('bayes_tokens').update({ learned_day: today() - 100 });
    await learn(db, mail('cheap', 'replica offer'), 'ham');
    const fresh = (await tokenRows(db)).filter((r) => r.learned_day === today());
    assert.ok(fresh.length >= 2, 'the tokens of the new message are dated today');
    const byToken = (rows: { token: string }[]) => [...rows].sort((x, y) => (x.token < y.token ? -1 : 1));
    const counts = byToken(await tokenRows(db));
    assert.equal((await forget(db, mail('cheap watches', 'replica watches zanzibarian offer'))).changed, false);
    assert.deepEqual(await bayesTotals(db), { spam: 2, ham: 1, tokens: counts.length });
    assert.deepEqual(byToken(await tokenRows(db)), counts);

    await assert.rejects(expireTokens(db, { maxAgeDays: 0 }), (e: MailhostError) => e.code === 'invalid' && e.field === 'days');
  });

  it('forgets the records of messages learned before the tokens\' cutoff day; such a message counts again', async () => {
    const { db } = t();
    const old = mail('old lesson', 'ancient words here');
    await learn(db, old, 'spam');
    await learn(db, mail('new lesson', 'recent words here'), 'spam');
    assert.equal((await expireTokens(db, { maxAgeDays: 30 })).learned, 0, 'nothing is old yet');
    const [first] = (await db('bayes_learned').orderBy('msg_hash').limit(1).select('msg_hash')) as { msg_hash: string }[];
    await db('bayes_learned').where('msg_hash', first.msg_hash).update({ learned_at: '2000-01-01 00:00:00' });
    const r = await expireTokens(db, { maxAgeDays: 30 });
    assert.equal(r.learned, 1);
    assert.equal(Number((await db('bayes_learned').count({ n: '*' }))[0].n), 1, 'the fresh record stays');
    // whichever was aged is unknown now: learning both again counts exactly one of them again
    const before = (await bayesTotals(db)).spam;
    const again = [await learn(db, old, 'spam'), await learn(db, mail('new lesson', 'recent words here'), 'spam')];
    assert.equal(again.filter((o) => o.changed).length, 1);
    assert.equal((await bayesTotals(db)).spam, before + 1);
    // the day boundary is the tokens' one, from `now`: 31 days on, every record is old
    assert.equal((await expireTokens(db, { maxAgeDays: 30, now: Date.now() + 31 * DAY })).learned, 2);
    assert.equal(Number((await db('bayes_learned').count({ n: '*' }))[0].n), 0);
  });

  it('runs every job from the master schedule (first pass, then periodically)', async () => {
    const { db } = t();
    await createDomain(db, { name: 'example.com' });
    const jean = (await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' })).mailbox;
    await storeQuarantined(db, mail('old', 'spam'), [{ mailboxId: jean.id, category: 'spam' }], {
      mailFrom: 'bounce@spam.example',
      headerFrom: 'promo@spam.example',
      subject: 'old',
      score: 9,
      reasons: [],
      receivedMs: Date.now() - 30 * DAY,
    });
    await learn(db, mail('rare', 'unusualword'), 'spam');
    await db('bayes_tokens').update({ learned_day: today() - 400 });
    await db('bayes_learned').update({ learned_at: '2000-01-01 00:00:00' });
    const logs: string[] = [];
    const stop = schedulePurge(db, { info: (m) => logs.push(m), error: (m) => logs.push(`ERR ${m}`) }, { firstDelayMs: 10, intervalMs: 50 });
    try {
      const deadline = Date.now() + 5000;
      while (logs.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      stop();
    }
    assert.ok(logs.length >= 6, logs.join('\n'));
    assert.match(logs[0], /^purged 1 quarantined row\(s\) and 1 stored message\(s\)/);
    assert.match(logs[1], /^forgot [1-9]\d* rare Bayes token\(s\) not learned since \d{4}-\d\d-\d\d, and 1 record\(s\) of messages learned before then$/);
    assert.match(logs[2], /^rolled up 0 month\(s\) of daily statistics before \d{4}-\d\d-01 \(0 daily row\(s\)\)$/);
    assert.match(logs[3], /^purged 0 quarantined row\(s\)/);
    assert.match(logs[4], /^forgot 0 rare Bayes token\(s\)/);
    assert.equal((await listQuarantine(db)).total, 0);
    const r = await purgeAll(db, { retentionDays: 1, tokenMaxAgeDays: 1 });
    assert.deepEqual([r.quarantine.rows, r.bayes.tokens, r.bayes.learned], [0, 0, 0]);
  });
});
