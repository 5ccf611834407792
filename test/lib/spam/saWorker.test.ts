// The rule pass in its own thread: the same verdicts as in the calling thread, a pattern that
// never ends stopped (the message scored without the rules, the next one served by a new
// thread), and MAILHOST_SA_THREAD read strictly.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusFiles } from '../../helpers/corpus';
import { SaWorker, sharedSaWorker, loadSaRules, parseForScoring, scoreParsed, scoreRaw, runSa, messageHash, tokenIds, type BayesCache, type Verdict } from '../../../lib/spam';
import type { Db } from '../../../lib/core';

/**
 * A Bayes verdict for each message without a database: the probability is what the test says.
 * (What is compared is how the two scoring paths use it, not how it is computed.)
 */
function fixedBayes(probability: () => number): { db: Db; cache: BayesCache } {
  const cache = { classify: async () => ({ probability: probability(), trained: true, spamMsgs: 500, hamMsgs: 500, clues: 20 }) } as unknown as BayesCache;
  return { db: {} as Db, cache };
}

/** A verdict with its reasons in a fixed order (the thread path scores the Bayes bands after the pass). */
const sorted = (v: Verdict) => ({ ...v, reasons: [...v.reasons].sort((a, b) => a.rule.localeCompare(b.rule)) });

const SA_DIR = '/usr/share/spamassassin';
const haveSa = fs.existsSync(SA_DIR);

function mail(subject: string, body: string): Buffer {
  return Buffer.from(`From: Jean <jean@example.com>\r\nTo: marie@example.net\r\nSubject: ${subject}\r\nMessage-ID: <1@example.com>\r\n\r\n${body}\r\n`);
}

describe('SpamAssassin rules in their own thread', () => {
  it('prepare() starts the thread before any message, and that thread serves the messages', async function () {
    this.timeout(60_000);
    const worker = new SaWorker(haveSa ? { dirs: [SA_DIR] } : {});
    try {
      assert.equal(worker.started, 0);
      worker.prepare();
      worker.prepare(); // a second call (init hooks of several plugins) starts nothing more
      assert.equal(worker.started, 1);
      const r = await worker.run({ raw: mail('Lunch', 'See you at noon.') });
      assert.equal(r.budgetExceeded, false, 'the rules ran');
      assert.equal(worker.started, 1);
    } finally {
      await worker.close();
    }
  });

  (haveSa ? it : it.skip)('gives the same hits and scores as the rules run in this thread', async function () {
    this.timeout(60_000);
    const files = corpusFiles(['easy-ham-1', 'spam-2'], 100);
    const raws = [mail('Lunch', 'See you at noon.'), mail('FREE VIAGRA!!!', 'Buy cheap viagra online, click here'), ...files.map((f) => fs.readFileSync(f))];
    const set = loadSaRules([SA_DIR]);
    const worker = new SaWorker({ dirs: [SA_DIR] });
    try {
      let hits = 0;
      for (const raw of raws) {
        const msg = parseForScoring(raw);
        const here = runSa(msg, set, { budgetMs: Infinity });
        const there = await worker.run({ raw: msg.src.raw, budgetMs: Infinity });
        assert.deepEqual(there.hits, here.hits.map((h) => ({ rule: h.rule, points: h.points })));
        assert.equal(there.score, here.score);
        assert.equal(there.bayesRules, set.bayesRules);
        hits += here.hits.length;
      }
      assert.ok(hits > raws.length, `${hits} hits on ${raws.length} messages`);
      // through scoreParsed, as the MTA calls it
      const msg = parseForScoring(raws[1]);
      const a = await scoreParsed(null, msg, { sa: set });
      const b = await scoreParsed(null, msg, { saWorker: worker });
      assert.deepEqual(b, a);
    } finally {
      await worker.close();
    }
  });

  (haveSa ? it : it.skip)('whole(): parsed, checked and tokenized in the thread, the same verdict as in this thread, Bayes counting or not', async function () {
    this.timeout(120_000);
    const files = corpusFiles(['easy-ham-1', 'spam-2'], 150);
    const raws = [mail('Lunch', 'See you at noon.'), mail('FREE VIAGRA!!!', 'Buy cheap viagra online, click here'), ...files.map((f) => fs.readFileSync(f))];
    const set = loadSaRules([SA_DIR]);
    assert.ok(set.bayesBands && set.bayesBands.length >= 5, 'the stock BAYES_* rules are scored apart');
    const worker = new SaWorker({ dirs: [SA_DIR] });
    const probabilities = [0, 0.03, 0.3, 0.5, 0.7, 0.85, 0.95, 0.995, 0.9995, 1];
    let turn = 0;
    const p = () => probabilities[Math.floor(turn / 2) % probabilities.length];
    const { db, cache } = fixedBayes(p);
    try {
      const bands = new Set<string>();
      for (const raw of raws) {
        for (const bayes of [false, true]) {
          const opts = bayes ? { bayesCache: cache } : { bayes: false };
          const here = await scoreParsed(db, parseForScoring(raw), { ...opts, sa: set });
          const there = await scoreRaw(db, raw, { ...opts, saWorker: worker });
          turn++;
          assert.deepEqual(sorted(there.verdict), sorted(here), `${bayes ? 'with' : 'without'} Bayes`);
          for (const r of there.verdict.reasons) if (r.rule.startsWith('BAYES_')) bands.add(r.rule);
          const msg = parseForScoring(raw);
          assert.deepEqual(there.lesson(), { hash: messageHash(msg), ids: tokenIds(msg) });
        }
      }
      assert.ok(bands.size >= 5, `Bayes bands hit: ${[...bands].join(' ')}`);
    } finally {
      await worker.close();
    }
  });

  it('whole(): when a meta rule reads a Bayes band, the pass runs again with the probability (same verdict)', async function () {
    this.timeout(30_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-sa-bayesmeta-'));
    const cf = [
      "body BAYES_99 eval:check_bayes('0.99', '1.00')",
      'score BAYES_99 0 3.5',
      'body LUNCH /\\blunch\\b/i',
      'score LUNCH 0.5 0.7',
      'meta LUNCH_SPAM (LUNCH && BAYES_99)',
      'score LUNCH_SPAM 2.0',
    ];
    fs.writeFileSync(path.join(dir, '50_bayesmeta.cf'), cf.join('\n') + '\n');
    const set = loadSaRules([dir]);
    assert.equal(set.bayesBands, null);
    const worker = new SaWorker({ dirs: [dir] });
    try {
      for (const prob of [0.2, 0.995]) {
        const { db, cache } = fixedBayes(() => prob);
        const raw = mail('Lunch', 'Lunch at noon?');
        const here = await scoreParsed(db, parseForScoring(raw), { bayesCache: cache, sa: set });
        const there = await scoreRaw(db, raw, { bayesCache: cache, saWorker: worker });
        assert.deepEqual(sorted(there.verdict), sorted(here));
        const rules = there.verdict.reasons.map((r) => r.rule).sort();
        assert.deepEqual(rules.filter((r) => /LUNCH|BAYES/.test(r)), prob > 0.99 ? ['BAYES_99', 'LUNCH', 'LUNCH_SPAM'] : ['LUNCH']);
      }
    } finally {
      await worker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops a pattern that never ends: that message is scored without the rules, the next one by a new thread', async function () {
    this.timeout(30_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-sa-stuck-'));
    fs.writeFileSync(path.join(dir, '50_stuck.cf'), 'body STUCK /(a+)+b/\nscore STUCK 1.0\nbody LUNCH /\\blunch\\b/i\nscore LUNCH 0.5\n');
    const worker = new SaWorker({ dirs: [dir], timeoutMs: 500 });
    try {
      const started = Date.now();
      // "ab" at the end: the one-pass prefilter rightly says the rule may match, and the
      // regex then backtracks through the 40 a's before it
      const stuck = await worker.run({ raw: mail('a'.repeat(40), 'a'.repeat(40) + '! ab'), budgetMs: Infinity });
      assert.equal(stuck.budgetExceeded, true);
      assert.deepEqual(stuck.hits, []);
      assert.ok(Date.now() - started < 10_000, 'answered once the thread was stopped');
      const next = await worker.run({ raw: mail('Lunch', 'See you at noon.') });
      assert.equal(next.budgetExceeded, false);
      assert.deepEqual(next.hits.map((h) => h.rule), ['LUNCH']);
      assert.equal(worker.started, 2);
      // the same through whole() (scoreRaw, as the MTA scores): rules not run, the rest done here
      const raw = mail('a'.repeat(40), 'a'.repeat(40) + '! ab');
      const scored = await scoreRaw(null, raw, { saWorker: worker });
      assert.deepEqual(scored.verdict.limits, ['rules-time']);
      assert.deepEqual(scored.verdict.reasons.filter((r) => r.rule === 'STUCK'), []);
      assert.equal((scored.lesson() as { ids?: string[] }).ids, undefined, 'the lesson comes from a parse in this thread');
      assert.equal(messageHash(scored.lesson() as ReturnType<typeof parseForScoring>), messageHash(parseForScoring(raw)));
    } finally {
      await worker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('MAILHOST_SA_THREAD: 0 runs the rules in the SMTP thread, anything but 0 or 1 is refused', () => {
    assert.equal(sharedSaWorker({ MAILHOST_SA_THREAD: '0' }), null);
    assert.ok(sharedSaWorker({}) instanceof SaWorker);
    assert.throws(() => sharedSaWorker({ MAILHOST_SA_THREAD: 'yes' }), /MAILHOST_SA_THREAD must be 1/);
  });
});
