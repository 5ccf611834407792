// Bayes counts in memory, on every engine: a cache scores exactly like the SQL path on the same
// learned data; what one node learns or forgets reaches another node's cache within about a
// second (two caches on one database); expiry and dropped scopes converge; change ids read out
// of order are counted once; the token budget holds.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { BayesCache, learn, forget, learnMany, classifyTokens, parseForScoring, tokenIds, scopesFor, scoreMessage, loadRules, dropScope, expireTokens, sharedBayesCache, type BayesResult, type RuleSet } from '../../../lib/spam';
import type { Db } from '../../../lib/core';

const SPAM_WORDS = ['cheap', 'pills', 'casino', 'bonus', 'winner', 'prize', 'pharmacy', 'discount', 'offer', 'jackpot', 'loans', 'credit'];
const HAM_WORDS = ['meeting', 'agenda', 'report', 'project', 'schedule', 'review', 'draft', 'budget', 'minutes', 'deadline', 'team', 'notes'];

function mail(i: number, words: string[], from: string, extra = ''): Buffer {
  const body = Array.from({ length: 40 }, (_, k) => words[(i * 7 + k * 5) % words.length]).join(' ');
  return Buffer.from(
    [`From: ${from}`, 'To: someone@example.net', `Subject: ${words[i % words.length]} ${words[(i + 3) % words.length]} #${i}`, `Message-ID: <${i}.${from.replace(/\W/g, '')}@example.com>`, 'Date: Mon, 2 Sep 2024 10:00:00 +0200', '', body, extra, ''].join('\r\n'),
  );
}
const spam = (i: number, extra = '') => mail(i, SPAM_WORDS, 'promo@offers.example', extra);
const ham = (i: number, extra = '') => mail(i, HAM_WORDS, 'colleague@corp.example', extra);
const idsOf = (raw: Buffer) => tokenIds(parseForScoring(raw));
const P = { ...loadRules().bayes, minSpam: 1, minHam: 1 };

/** the SQL path's and the cache's verdicts for the same message (the cache's from memory only) */
async function both(db: Db, cache: BayesCache, raw: Buffer, domainId?: number): Promise<{ sql: BayesResult; mem: BayesResult | null }> {
  const ids = idsOf(raw);
  const scopes = scopesFor(domainId);
  return { sql: await classifyTokens(db, ids, scopes, P), mem: cache.fromMemory(ids, scopes, P) };
}

/** refreshes until the cache answers from memory for these scopes */
async function warm(cache: BayesCache, domainId?: number): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await cache.refresh();
    if (cache.fromMemory([], scopesFor(domainId), P)) return;
  }
  assert.fail(`cache not warm: ${cache.lastError?.message}`);
}

async function waitUntil(what: string, cond: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = Date.now();
  while (!(await cond())) {
    if (Date.now() - started > limitMs) assert.fail(`${what}: not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

describeEachEngine('spam Bayes cache', ({ t }) => {
  const caches: BayesCache[] = [];
  const cacheOf = (db: Db, opts: ConstructorParameters<typeof BayesCache>[1] = {}) => {
    const c = new BayesCache(db, opts);
    caches.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of caches.splice(0)) c.stop();
  });

  it('scores exactly like the SQL path on the same learned data (loaded, and built from the log)', async () => {
    const db = t().db;
    // learned before the cache starts: global and domain 7 (loaded from bayes_tokens)
    for (let i = 0; i < 12; i++) {
      await learn(db, spam(i), 'spam');
      await learn(db, ham(i), 'ham');
      await learn(db, i % 2 ? spam(i + 50) : ham(i + 50), i % 2 ? 'spam' : 'ham', { scope: 7 });
    }
    await learn(db, ham(3), 'spam'); // relearned as the other class
    await forget(db, spam(4));
    const cache = cacheOf(db);
    await warm(cache, 7);
    // learned after it started: domain 9 is built from the change log alone, domain 7 and global catch up
    await learnMany(db, [{ raw: spam(30), cls: 'spam' }, { raw: ham(30), cls: 'ham' }, { raw: spam(31, 'agenda budget'), cls: 'ham' }], { scope: 9 });
    await learnMany(db, [{ raw: spam(32), cls: 'spam' }, { raw: ham(2), cls: null }, { raw: spam(5), cls: 'ham' }], { scope: 7 });
    await learn(db, ham(40, 'bonus prize'), 'ham');
    await cache.refresh();
    for (const domainId of [undefined, 7, 9, 11]) {
      for (const probe of [spam(100), ham(100), spam(101, 'agenda review'), ham(102, 'casino'), spam(3), ham(3)]) {
        const { sql, mem } = await both(db, cache, probe, domainId);
        assert.ok(mem, `domain ${domainId}: from memory`);
        assert.deepEqual(mem, sql, `domain ${domainId}`);
      }
    }
    const probe = await both(db, cache, spam(100), 7);
    assert.ok(probe.sql.trained && probe.sql.clues > 0 && probe.sql.probability > 0.9, JSON.stringify(probe.sql));
    // the whole verdict through scoreMessage is the same with and without the cache
    const rules: RuleSet = { ...loadRules(), bayes: P };
    for (const raw of [spam(100), ham(100)]) {
      assert.deepEqual(await scoreMessage(db, raw, { domainId: 7, rules, sa: false, bayesCache: cache }), await scoreMessage(db, raw, { domainId: 7, rules, sa: false }));
    }
  });

  it('falls back to SQL for a scope not loaded yet, and loads it in the background', async () => {
    const db = t().db;
    for (let i = 0; i < 3; i++) await learn(db, spam(i), 'spam', { scope: 5 });
    await learn(db, ham(1), 'ham', { scope: 5 });
    const cache = cacheOf(db);
    await cache.refresh();
    const ids = idsOf(spam(9));
    assert.equal(cache.fromMemory(ids, scopesFor(5), P), null, 'domain 5 holds data: not in memory yet');
    const sql = await classifyTokens(db, ids, scopesFor(5), P);
    assert.deepEqual(await cache.classify(ids, scopesFor(5), P), sql, 'the first message uses the SQL path');
    await cache.refresh();
    assert.deepEqual(cache.fromMemory(ids, scopesFor(5), P), sql, 'then memory');
  });

  it('what one node learns or forgets reaches another node within about a second', async () => {
    const db = t().db;
    await learn(db, spam(1), 'spam');
    await learn(db, ham(1), 'ham');
    const nodeB = cacheOf(db, { refreshMs: 1000 });
    await warm(nodeB, 3);
    nodeB.start();
    const probe = spam(200);
    const converged = async () => {
      const { sql, mem } = await both(db, nodeB, probe, 3);
      return !!mem && JSON.stringify(mem) === JSON.stringify(sql);
    };
    const before = (await both(db, nodeB, probe, 3)).mem!;
    // "node A" learns through lib, as its autolearn or a user's report does
    await learnMany(db, Array.from({ length: 6 }, (_, i) => ({ raw: spam(10 + i), cls: 'spam' as const })), { scope: 3 });
    const learnedMs = await waitUntil('learning reaches node B', converged, 2500);
    assert.notDeepEqual((await both(db, nodeB, probe, 3)).mem, before, 'the counts moved');
    await forget(db, spam(12), { scope: 3 });
    await learn(db, spam(13), 'ham', { scope: 3 });
    const forgotMs = await waitUntil('forgetting reaches node B', converged, 2500);
    // a dropped scope and expired tokens: node B reloads what it holds
    await dropScope(db, 3);
    const droppedMs = await waitUntil('a dropped scope reaches node B', converged, 2500);
    assert.equal((await both(db, nodeB, probe, 3)).mem!.spamMsgs, 1, 'only the global lesson is left');
    await db('bayes_tokens').update({ learned_day: 0 });
    assert.ok((await expireTokens(db, { maxAgeDays: 1 })).tokens > 0);
    const expiredMs = await waitUntil('expiry reaches node B', converged, 2500);
    console.log(`      reached node B after ${learnedMs} ms (learn), ${forgotMs} ms (forget), ${droppedMs} ms (dropped scope), ${expiredMs} ms (expiry)`);
  });

  it('counts a change once when its id is read out of order (a transaction committing late)', async () => {
    const db = t().db;
    const cache = cacheOf(db, { graceMs: 60_000 });
    await warm(cache, 4);
    const [tok] = idsOf(spam(1));
    const at = Date.now();
    const row = (id: number, delta: string) => ({ id, scope: 'domain:4', kind: 'delta', delta, created_ms: at });
    const base = Number((await db('bayes_changes').max({ id: 'id' }).first())?.id ?? 0);
    await db('bayes_changes').insert(row(base + 1, `1 0 * ${tok}`));
    await db('bayes_changes').insert(row(base + 3, `0 1 * ${tok}`));
    await cache.refresh();
    await cache.refresh();
    await db('bayes_changes').insert(row(base + 2, `2 0 ${tok}`)); // committed after id base+3 was read
    await cache.refresh();
    await cache.refresh();
    const r = cache.fromMemory([tok], ['domain:4'], { ...P, minStrength: 0 })!;
    assert.deepEqual({ spam: r.spamMsgs, ham: r.hamMsgs, clues: r.clues }, { spam: 1, ham: 1, clues: 1 });
    // the token counts 3 spam, 1 ham: every row added once
    const expect = await (async () => {
      await db('bayes_tokens').insert([
        { scope: 'domain:4', token: '*', spam: 1, ham: 1, learned_day: 0 },
        { scope: 'domain:4', token: tok, spam: 3, ham: 1, learned_day: 0 },
      ]);
      return classifyTokens(db, [tok], ['domain:4'], { ...P, minStrength: 0 });
    })();
    assert.deepEqual(r, expect);
  });

  it('keeps at most its token budget, the rarest tokens dropped first', async () => {
    const db = t().db;
    const common = 'unsubscribe viagra lottery';
    const rare = (i: number) => `word${i}a word${i}b word${i}c word${i}d`;
    await learnMany(db, Array.from({ length: 30 }, (_, i) => ({ raw: spam(i, `${common} ${rare(i)}`), cls: 'spam' as const })));
    await learnMany(db, Array.from({ length: 30 }, (_, i) => ({ raw: ham(i, rare(i + 100)), cls: 'ham' as const })));
    const total = Number((await db('bayes_tokens').count({ n: '*' }).first())?.n);
    const cache = cacheOf(db, { maxTokens: 100 });
    await warm(cache);
    assert.ok(total > 500, `${total} tokens learned`);
    // 69 tokens are in 30 messages or more, the others in 6 or fewer
    const held = cache.size().tokens;
    assert.ok(held <= 100 && held >= 69, `${held} tokens held`);
    // the tokens every spam had survive: a spam probe still scores as spam, a ham probe as ham
    assert.ok(cache.fromMemory(idsOf(spam(300, common)), ['global'], P)!.probability > 0.9);
    assert.ok(cache.fromMemory(idsOf(ham(300)), ['global'], P)!.probability < 0.1);
    // learning more keeps the bound
    await learnMany(db, Array.from({ length: 20 }, (_, i) => ({ raw: spam(i + 500, rare(i + 500)), cls: 'spam' as const })));
    await cache.refresh();
    assert.ok(cache.size().tokens <= 100, `${cache.size().tokens} tokens held after more learning`);
  });

  it('is sized by MAILHOST_BAYES_CACHE_TOKENS (0: off)', () => {
    const db = t().db;
    assert.equal(sharedBayesCache(db, { MAILHOST_BAYES_CACHE_TOKENS: '0' }), null);
    assert.throws(() => sharedBayesCache(db, { MAILHOST_BAYES_CACHE_TOKENS: 'lots' }), /MAILHOST_BAYES_CACHE_TOKENS/);
    const c = sharedBayesCache(db, {});
    assert.ok(c instanceof BayesCache);
    assert.equal(sharedBayesCache(db, {}), c, 'one per process and database');
  });
});
