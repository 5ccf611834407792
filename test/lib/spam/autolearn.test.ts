// Auto-learning on every engine: the decision from the rules-only points; a message is learned
// once, in its domain's scope; never again, and never when a user (domain or global) trained it.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { autolearn, autolearnDecision, learn, bayesTotals, learnedAs, scoreMessage, parseForScoring, AutoLearner, type Verdict, type AutolearnSettings } from '../../../lib/spam';
import { createDomain } from '../../../lib/directory';

const LOW: AutolearnSettings = { enabled: true, spam: 3, ham: 0.1 };

function verdict(autolearnScore: number, extra: Partial<Verdict> = {}): Verdict {
  return { score: autolearnScore, category: 'ham', reasons: [], newsletter: false, autolearnScore, ...extra };
}

const SPAMMY = Buffer.from(
  [
    'From: "WINNER NOTICE" <promo12345@bulk.example>',
    'To: undisclosed-recipients:;',
    'Subject: YOU HAVE WON $1,000,000 CASH PRIZE!!!',
    'X-Priority: 1 (Highest)',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=us-ascii',
    '',
    '<html><body><p>CONGRATULATIONS WINNER! Click here http://192.168.4.7/claim to claim your $1,000,000 cash prize.',
    'This is not spam. To be removed from our mailing list reply REMOVE. Buy cheap viagra now! 100% GUARANTEED!</p></body></html>',
    '',
  ].join('\r\n'),
);

const PLAIN = Buffer.from(
  ['From: Jean Martin <jean@example.com>', 'To: marie@example.net', 'Subject: Lunch on Friday', 'Date: Mon, 2 Sep 2024 10:00:00 +0200', 'Message-ID: <lunch.1@example.com>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Shall we meet at noon?', 'Jean', ''].join('\r\n'),
);

describe('auto-learn decision', () => {
  it('spam at or above the spam threshold, ham under the ham threshold, nothing between', () => {
    assert.equal(autolearnDecision(verdict(12.5)).cls, 'spam');
    assert.equal(autolearnDecision(verdict(-0.5)).cls, 'ham');
    assert.equal(autolearnDecision(verdict(5)).cls, null);
    assert.equal(autolearnDecision(verdict(4, { score: 14 })).cls, null, 'Bayes points never decide it');
  });

  it('never learns a virus, a partly checked message, GTUBE, or when off', () => {
    assert.equal(autolearnDecision(verdict(20, { category: 'virus' })).cls, null);
    assert.equal(autolearnDecision(verdict(20, { limits: ['scan'] })).cls, null);
    assert.equal(autolearnDecision(verdict(1000, { reasons: [{ rule: 'GTUBE', points: 1000 }] })).cls, null);
    assert.equal(autolearnDecision(verdict(20), { enabled: false, spam: 12, ham: 0.1 }).cls, null);
  });
});

describeEachEngine('spam auto-learn', ({ t }) => {
  it('learns a clear spam once, in its domain scope; the second time nothing changes', async () => {
    const db = t().db;
    const d = await createDomain(db, { name: 'auto.example' });
    const v = await scoreMessage(db, SPAMMY, { domainId: d.id });
    assert.ok(v.autolearnScore >= LOW.spam, `rules scored ${v.autolearnScore}`);
    const first = await autolearn(db, SPAMMY, v, { domainId: d.id, settings: LOW });
    assert.equal(first.learned, 'spam');
    assert.equal(await learnedAs(db, SPAMMY, { scope: d.id }), 'spam');
    assert.deepEqual((await bayesTotals(db, d.id)).spam, 1);
    assert.equal((await bayesTotals(db, 'global')).spam, 0, 'the global scope is not touched');
    const again = await autolearn(db, SPAMMY, v, { domainId: d.id, settings: LOW });
    assert.equal(again.learned, null);
    assert.match(again.reason, /already learned/);
    assert.equal((await bayesTotals(db, d.id)).spam, 1);
  });

  it('leaves a message a user trained alone (in the domain or globally)', async () => {
    const db = t().db;
    const d = await createDomain(db, { name: 'trained.example' });
    const v = await scoreMessage(db, SPAMMY, { domainId: d.id });
    await learn(db, SPAMMY, 'ham', { scope: d.id }); // the user says it is ham
    const r = await autolearn(db, SPAMMY, v, { domainId: d.id, settings: LOW });
    assert.equal(r.learned, null);
    assert.equal(await learnedAs(db, SPAMMY, { scope: d.id }), 'ham');
    assert.deepEqual(await bayesTotals(db, d.id), { spam: 0, ham: 1, tokens: (await bayesTotals(db, d.id)).tokens });

    const other = await createDomain(db, { name: 'other.example' });
    await learn(db, PLAIN, 'spam'); // an admin trained it globally
    const p = await autolearn(db, PLAIN, verdict(-1), { domainId: other.id, settings: LOW });
    assert.equal(p.learned, null);
    assert.equal((await bayesTotals(db, other.id)).ham, 0);
  });

  it('a busy process gathers the lessons of many domains and writes them in one transaction', async () => {
    const db = t().db;
    const a = await createDomain(db, { name: 'a.example' });
    const b = await createDomain(db, { name: 'b.example' });
    const mail = (i: number) => Buffer.from(PLAIN.toString().replace('<lunch.1@', `<lunch.${i}@`).replace('noon?', `noon? (${i})`));
    await learn(db, mail(3), 'spam', { scope: a.id }); // a user trained this one: left alone
    await learn(db, mail(4), 'spam'); // and this one, globally
    const errors: Error[] = [];
    const learner = new AutoLearner(db, (err) => errors.push(err), LOW);
    const inserts: string[] = [];
    const listen = (q: { sql: string }) => /^insert into .bayes_learned/i.test(q.sql) && inserts.push(q.sql);
    db.on('query', listen);
    try {
      for (let i = 0; i < 10; i++) learner.add(parseForScoring(mail(i)), verdict(-1), i % 3 === 0 ? a.id : i % 3 === 1 ? b.id : null);
      assert.equal(learner.add(parseForScoring(mail(99)), verdict(1), a.id).cls, null, 'between the thresholds: not queued');
      await learner.flush();
    } finally {
      db.removeListener('query', listen);
    }
    assert.deepEqual(errors, []);
    assert.equal(inserts.length, 1, 'one insert for every domain');
    // a: 0, 6, 9 (3 was trained by the user); b: 1, 7 (4 was trained globally); global: 2, 5, 8
    assert.deepEqual([(await bayesTotals(db, a.id)).ham, (await bayesTotals(db, b.id)).ham, (await bayesTotals(db)).ham], [3, 2, 3]);
    assert.equal(await learnedAs(db, mail(3), { scope: a.id }), 'spam');
    assert.equal(await learnedAs(db, mail(4), { scope: b.id }), null);
    // the same lessons again change nothing
    for (let i = 0; i < 10; i++) learner.add(parseForScoring(mail(i)), verdict(-1), i % 3 === 0 ? a.id : i % 3 === 1 ? b.id : null);
    await learner.flush();
    assert.deepEqual([(await bayesTotals(db, a.id)).ham, (await bayesTotals(db, b.id)).ham, (await bayesTotals(db)).ham], [3, 2, 3]);
  });

  it('lessons that arrive while a batch is written wait for a full batch or their second, not for the write to end', async () => {
    const db = t().db;
    const mail = (i: number) => Buffer.from(PLAIN.toString().replace('<lunch.1@', `<lunch.${i}@`).replace('noon?', `noon? (${i})`));
    const learner = new AutoLearner(db, (err) => assert.fail(err), LOW);
    const inserts: string[] = [];
    const listen = (q: { sql: string }) => /^insert into .bayes_learned/i.test(q.sql) && inserts.push(q.sql);
    db.on('query', listen);
    try {
      const parsed = Array.from({ length: 230 }, (_, i) => parseForScoring(mail(i)));
      for (let i = 0; i < 200; i++) learner.add(parsed[i], verdict(-1), null); // a full batch: written at once
      for (let i = 200; i < 230; i++) learner.add(parsed[i], verdict(-1), null); // during that write
      for (let i = 0; i < 200 && inserts.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(inserts.length, 1, 'the first batch only');
      assert.equal(learner.queued, 30, 'the late lessons still wait');
      await learner.flush();
      assert.equal(inserts.length, 2);
      assert.equal(learner.queued, 0);
    } finally {
      db.removeListener('query', listen);
    }
    assert.equal((await bayesTotals(db)).ham, 230);
  });

  it('lessons that arrive while the timer\'s write is on its way wait for the next second', async () => {
    const db = t().db;
    const mail = (i: number) => Buffer.from(PLAIN.toString().replace('<lunch.1@', `<lunch.${i}@`).replace('noon?', `noon? (${i})`));
    const learner = new AutoLearner(db, (err) => assert.fail(err), LOW);
    const parsed = Array.from({ length: 10 }, (_, i) => parseForScoring(mail(i)));
    const inserts: string[] = [];
    const listen = (q: { sql: string }) => {
      if (!/^insert into .bayes_learned/i.test(q.sql)) return;
      inserts.push(q.sql);
      if (inserts.length === 1) for (let i = 5; i < 10; i++) learner.add(parsed[i], verdict(-1), null);
    };
    db.on('query', listen);
    try {
      for (let i = 0; i < 5; i++) learner.add(parsed[i], verdict(-1), null); // fewer than a batch: the timer writes them
      for (let i = 0; i < 300 && inserts.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(inserts.length, 1, 'no second write straight after the first (under load that is a transaction per few lessons)');
      assert.equal(learner.queued, 5);
      await learner.flush();
      assert.equal(inserts.length, 2);
    } finally {
      db.removeListener('query', listen);
    }
    assert.equal((await bayesTotals(db)).ham, 10);
  });

  it('learns a clearly clean message as ham, globally when there is no domain', async () => {
    const db = t().db;
    const v = await scoreMessage(db, PLAIN);
    assert.ok(v.autolearnScore < LOW.ham, `rules scored ${v.autolearnScore}`);
    assert.equal((await autolearn(db, PLAIN, v, { settings: LOW })).learned, 'ham');
    assert.equal(await learnedAs(db, PLAIN), 'ham');
  });
});
