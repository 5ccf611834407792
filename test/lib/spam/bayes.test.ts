// Bayes in SQL on every engine: learn -> a similar message scores higher; learning twice is a
// no-op; relearning as the other class moves counts; forget -> counts back to zero; scopes;
// one query per scored message.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { learn, forget, learnMany, learnedAs, bayesTotals, scoreMessage, loadRules, classify, parseForScoring, TOTAL_TOKEN, hashToken, type RuleSet } from '../../../lib/spam';
import { createDomain } from '../../../lib/directory';

const SPAM_WORDS = ['cheap', 'pills', 'casino', 'bonus', 'winner', 'prize', 'pharmacy', 'discount', 'offer', 'jackpot', 'loans', 'credit'];
const HAM_WORDS = ['meeting', 'agenda', 'report', 'project', 'schedule', 'review', 'draft', 'budget', 'minutes', 'deadline', 'team', 'notes'];

function mail(i: number, words: string[], from: string): Buffer {
  const body = Array.from({ length: 40 }, (_, k) => words[(i * 7 + k * 5) % words.length]).join(' ');
  return Buffer.from(
    [`From: ${from}`, 'To: someone@example.net', `Subject: ${words[i % words.length]} ${words[(i + 3) % words.length]} #${i}`, `Message-ID: <${i}.${from.replace(/\W/g, '')}@example.com>`, 'Date: Mon, 2 Sep 2024 10:00:00 +0200', '', body, ''].join('\r\n'),
  );
}
const spam = (i: number) => mail(i, SPAM_WORDS, 'promo@offers.example');
const ham = (i: number) => mail(i, HAM_WORDS, 'colleague@corp.example');

/** the shipped rules, with Bayes counting from the first learned message */
function eager(): RuleSet {
  const set = loadRules();
  return { ...set, bayes: { ...set.bayes, minSpam: 1, minHam: 1 } };
}

describeEachEngine('spam Bayes', ({ t }) => {
  it('learns spam and ham: similar messages move the right way', async () => {
    const db = t().db;
    const rules = eager();
    const probe = spam(100);
    const before = await scoreMessage(db, probe, { rules });
    assert.equal(before.bayes, undefined, 'untrained: no Bayes verdict');
    for (let i = 0; i < 10; i++) {
      await learn(db, spam(i), 'spam');
      await learn(db, ham(i), 'ham');
    }
    const after = await scoreMessage(db, probe, { rules });
    assert.ok(after.bayes !== undefined && after.bayes > 0.9, `bayes ${after.bayes}`);
    assert.ok(after.score > before.score, `${after.score} > ${before.score}`);
    assert.ok(after.reasons.some((r) => r.rule.startsWith('BAYES_') && r.points > 0));
    const hamVerdict = await scoreMessage(db, ham(100), { rules });
    assert.ok(hamVerdict.bayes !== undefined && hamVerdict.bayes < 0.1, `ham bayes ${hamVerdict.bayes}`);
    assert.ok(hamVerdict.score < after.score);
    assert.deepEqual(await bayesTotals(db), { spam: 10, ham: 10, tokens: (await bayesTotals(db)).tokens });
  });

  it('does not count a message twice, moves it when relearned, and forgets it exactly', async () => {
    const db = t().db;
    const m = spam(1);
    const snapshot = async () => (await db('bayes_tokens').where('scope', 'global').orderBy('token').select('token', 'spam', 'ham')).map((r) => `${r.token}:${r.spam}:${r.ham}`);
    assert.deepEqual(await learn(db, m, 'spam'), { previous: null, changed: true });
    const once = await snapshot();
    assert.ok(once.length > 20);
    assert.ok(once.every((r) => r.endsWith(':1:0')));
    assert.deepEqual(await learn(db, m, 'spam'), { previous: 'spam', changed: false });
    assert.deepEqual(await snapshot(), once, 'learning the same message again changes nothing');
    // the same message as delivered (headers added in transit) is the same message
    const delivered = Buffer.concat([Buffer.from('Received: from mx by us\r\nX-Spam-Score: 3\r\n'), m]);
    assert.equal(await learnedAs(db, delivered), 'spam');
    assert.deepEqual(await learn(db, delivered, 'ham'), { previous: 'spam', changed: true });
    const moved = await snapshot();
    assert.ok(moved.every((r) => r.endsWith(':0:1')), 'counts moved from spam to ham');
    assert.equal(moved.length, once.length);
    assert.equal(await learnedAs(db, m), 'ham');
    assert.deepEqual(await forget(db, m), { previous: 'ham', changed: true });
    assert.deepEqual(await snapshot(), [], 'forget leaves no counts, not even the totals row');
    assert.equal(await learnedAs(db, m), null);
    assert.deepEqual(await forget(db, m), { previous: null, changed: false });
    assert.equal((await db('bayes_learned').count({ n: '*' }))[0].n, 0);
  });

  it('keeps shared tokens right when one of two messages is forgotten', async () => {
    const db = t().db;
    await learn(db, spam(1), 'spam');
    await learn(db, spam(2), 'spam');
    await forget(db, spam(1));
    const rows = await db('bayes_tokens').where('scope', 'global').select('token', 'spam', 'ham');
    const total = rows.find((r) => r.token === TOTAL_TOKEN);
    assert.deepEqual({ spam: Number(total.spam), ham: Number(total.ham) }, { spam: 1, ham: 0 });
    assert.ok(rows.every((r) => Number(r.spam) === 1 && Number(r.ham) === 0));
    await forget(db, spam(2));
    assert.equal((await db('bayes_tokens').count({ n: '*' }))[0].n, 0);
  });

  it('learns in batches: duplicates in one batch count once, the last class wins', async () => {
    const db = t().db;
    const out = await learnMany(db, [
      { raw: spam(1), cls: 'spam' },
      { raw: spam(1), cls: 'spam' },
      { raw: spam(2), cls: 'spam' },
      { raw: spam(2), cls: 'ham' },
      { raw: ham(1), cls: 'ham' },
      { raw: ham(1), cls: null },
    ]);
    assert.deepEqual(out.map((o) => o.changed), [true, false, true, true, true, true]);
    const totals = await bayesTotals(db);
    assert.deepEqual([totals.spam, totals.ham], [1, 1]);
    assert.equal(await learnedAs(db, spam(2)), 'ham');
    assert.equal(await learnedAs(db, ham(1)), null);
  });

  it('keeps domain scopes apart and reads global + domain together', async () => {
    const db = t().db;
    const d = await createDomain(db, { name: 'scoped.example' });
    const rules = eager();
    for (let i = 0; i < 5; i++) {
      await learn(db, spam(i), 'spam', { scope: d.id });
      await learn(db, ham(i), 'ham', { scope: d.id });
    }
    assert.deepEqual((await bayesTotals(db, d.id)).spam, 5);
    assert.deepEqual((await bayesTotals(db)).spam, 0);
    assert.equal((await scoreMessage(db, spam(50), { rules })).bayes, undefined, 'global scope knows nothing');
    const v = await scoreMessage(db, spam(50), { rules, domainId: d.id });
    assert.ok(v.bayes! > 0.9);
    assert.equal(await learnedAs(db, spam(1)), null);
    assert.equal(await learnedAs(db, spam(1), { scope: d.id }), 'spam');
    await assert.rejects(() => learn(db, spam(1), 'spam', { scope: -1 as number }), /scope/);
    await assert.rejects(() => learn(db, spam(1), 'eggs' as 'spam'), /spam or ham/);
  });

  it('reads the counts of a message with one query', async () => {
    const db = t().db;
    for (let i = 0; i < 3; i++) await learn(db, spam(i), 'spam');
    const queries: string[] = [];
    const listen = (q: { sql: string }) => queries.push(q.sql);
    db.on('query', listen);
    try {
      await classify(db, parseForScoring(spam(9)), { domainId: 7 });
      await scoreMessage(db, spam(9), { domainId: 7 });
    } finally {
      db.removeListener('query', listen);
    }
    assert.equal(queries.length, 2, queries.join('\n'));
    assert.ok(queries.every((q) => /bayes_tokens/.test(q)));
  });
});

describe('spam Bayes token ids', () => {
  it('stay what they were: ids already stored in a database must keep meaning the same tokens', () => {
    const ids = Object.fromEntries(['viagra', 'bi:free money', 'subject:héllo', '', '__TOTAL__'].map((t) => [t, hashToken(t)]));
    assert.deepEqual(ids, {
      viagra: '276f5b415c1b08f2',
      'bi:free money': '112b545ec0d3e6e3',
      'subject:héllo': '7f19bcfc24924971',
      '': '1aee8d83488bdcb8',
      __TOTAL__: 'a5cea42246760e08',
    });
  });
});
