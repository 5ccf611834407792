// The SpamAssassin-syntax rule engine: the .cf reader (conditionals, scores, tflags,
// ReplaceTags), every rule type on real parsed messages, meta rules (boolean and arithmetic),
// score sets with and without Bayes, rulesCheck(), the time budget, and -- when Debian's
// spamassassin is installed -- its stock rules loaded and a hostile message against all of them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseCf, emptyCf, compileCf, runSa, rulesCheck, buildSaRules, loadSaRules, parseForScoring, scoreMessage, evalCondition, DEFAULT_PLUGINS, type SaRuleSet } from '../../../lib/spam';
import { SaView } from '../../../lib/spam/saview';
import { corpusFiles } from '../../helpers/corpus';

const SA_DIR = '/usr/share/spamassassin';
const haveSa = fs.existsSync(SA_DIR);

function compile(text: string): SaRuleSet {
  const cf = emptyCf();
  parseCf(text, 'test.cf', cf, new Set(DEFAULT_PLUGINS));
  return compileCf(cf);
}

function mail(headers: Record<string, string>, body: string): Buffer {
  const h = { From: 'Jean <jean@example.com>', To: 'marie@example.net', Subject: 'Lunch', Date: 'Mon, 2 Sep 2024 10:00:00 +0200', 'Message-ID': '<1@example.com>', ...headers };
  return Buffer.from([...Object.entries(h).map(([k, v]) => `${k}: ${v}`), '', body, ''].join('\r\n'));
}

function hits(set: SaRuleSet, raw: Buffer, bayes?: number): Map<string, number> {
  return new Map(runSa(parseForScoring(raw), set, { bayes }).hits.map((h) => [h.rule, h.points]));
}

const RULES = `
# a comment
header   SUBJ_FREE     Subject =~ /\\bfree\\b/i
score    SUBJ_FREE     1.5
describe SUBJ_FREE     Subject says free
header   NO_XMAILER    X-Mailer !~ /./ [if-unset: ]
score    NO_XMAILER    0.1
header   HAS_LIST      exists:List-Id
score    HAS_LIST      -0.5
header   FROM_EXAMPLE  From:addr =~ /\\@example\\.com$/
score    FROM_EXAMPLE  0.2
body     BODY_CASH     /fast cash/i
score    BODY_CASH     2.0 2.0 1.0 1.0
rawbody  RAW_FONT      /<font\\s+color/i
score    RAW_FONT      0.3
uri      URI_SHADY     m{^https?://[^/]*\\.shady\\.example/}i
score    URI_SHADY     1.2
full     FULL_XHDR     /^X-Odd: yes/m
score    FULL_XHDR     0.4
body     __W1          /\\bwinner\\b/i
body     __W2          /\\bprize\\b/i
body     __W3          /\\bclaim\\b/i
meta     TWO_OF_THREE  (__W1 + __W2 + __W3) >= 2
score    TWO_OF_THREE  2.5
meta     CASH_NOT_LIST BODY_CASH && !HAS_LIST
score    CASH_NOT_LIST 0.7
meta     META_OF_META  TWO_OF_THREE && CASH_NOT_LIST
score    META_OF_META  1.1
body     NICE_DEFAULT  /thank you for your order/i
tflags   NICE_DEFAULT  nice
body     T_TESTING     /testing rule/
body     MANY_DOLLARS  /\\$\\d+/
tflags   MANY_DOLLARS  multiple maxhits=5
meta     DOLLARS_3     MANY_DOLLARS > 2
score    DOLLARS_3     0.9
score    MANY_DOLLARS  0.01
ifplugin Mail::SpamAssassin::Plugin::NotLoaded
body     NOT_LOADED    /anything/
endif
if (version >= 3.004000)
body     VERSION_OK    /version rule/
else
body     VERSION_OLD   /version rule/
endif
if !plugin(Mail::SpamAssassin::Plugin::ReplaceTags)
body     NO_TAGS       /x/
endif
body     NEEDS_EVAL    eval:check_something_unknown()
body     BAD_PERL      /a(?{ code })b/
header   RELAYS        X-Spam-Relays-External =~ /helo=/
body     BAYES_99      eval:check_bayes('0.99', '1.00')
score    BAYES_99      0 0 3.5 3.5
tflags   BAYES_99      learn
header   NET_ONLY      eval:check_rbl('zen', 'zen.example.')
tflags   NET_ONLY      net
replace_tag   V    (?:[vV]|\\\\\\/)
replace_tag   I    [iI1!|]
replace_tag   A    [aA@4]
replace_inter W1   [\\s.]?
replace_rules FUZZY_V
body     FUZZY_V       /<inter W1><V><I><A>/i
`;

describe('SpamAssassin-syntax rules: reader and engine', () => {
  const set = compile(RULES);

  it('reads conditionals: ifplugin, if (version), if !plugin(), else', () => {
    const names = new Set(set.rules.map((r) => r.name));
    assert.ok(!names.has('NOT_LOADED'));
    assert.ok(names.has('VERSION_OK') && !names.has('VERSION_OLD'));
    assert.ok(!names.has('NO_TAGS'));
    assert.equal(evalCondition('(version >= 3.004002) && plugin(Mail::SpamAssassin::Plugin::DKIM)', new Set(DEFAULT_PLUGINS)), true);
    assert.equal(evalCondition('version < 3.0', new Set()), false);
    assert.equal(evalCondition('system("rm")', new Set()), false, 'anything else is false, never run');
  });

  it('skips and counts what it cannot run, with the reason', () => {
    const why = new Map(set.skipped.map((s) => [s.name, s.reason]));
    assert.match(why.get('NEEDS_EVAL')!, /not implemented/);
    assert.match(why.get('BAD_PERL')!, /construct/);
    assert.match(why.get('RELAYS')!, /not available/);
    assert.match(why.get('NET_ONLY')!, /network/);
    assert.match(why.get('FUZZY_V')!, /ReplaceTags/);
    const check = rulesCheck(set);
    assert.equal(check.skipped, set.skipped.length);
    assert.equal(check.loaded, set.rules.length);
    assert.ok(check.reasons.every((r) => r.count > 0 && r.examples.length > 0));
  });

  it('fires nothing on an ordinary message but the unset-header rule', () => {
    assert.deepEqual([...hits(set, mail({}, 'See you at noon.'))].sort(), [['FROM_EXAMPLE', 0.2], ['NO_XMAILER', 0.1]]);
  });

  it('header, exists, :addr, body, rawbody, uri and full rules, with their scores', () => {
    const raw = Buffer.from(
      [
        'From: Promo <deals@promo.example>',
        'To: marie@example.net',
        'Subject: Get it FREE today',
        'X-Mailer: Bulk 1.0',
        'X-Odd: yes',
        'List-Id: <deals.promo.example>',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><body><font color="red">Fast   cash</font> at <a href="http://www.shady.example/x">our site</a></body></html>',
        '',
      ].join('\r\n'),
    );
    const h = hits(set, raw);
    assert.equal(h.get('SUBJ_FREE'), 1.5);
    assert.equal(h.get('HAS_LIST'), -0.5);
    assert.equal(h.get('BODY_CASH'), 2.0, 'body text is rendered HTML with white space collapsed');
    assert.equal(h.get('RAW_FONT'), 0.3, 'rawbody keeps the markup');
    assert.equal(h.get('URI_SHADY'), 1.2);
    assert.equal(h.get('FULL_XHDR'), 0.4);
    assert.ok(!h.has('NO_XMAILER') && !h.has('FROM_EXAMPLE') && !h.has('CASH_NOT_LIST'));
  });

  it('meta rules: arithmetic over sub-rules, negation, metas of metas; __ rules are never reported', () => {
    const h = hits(set, mail({}, 'You are a WINNER: claim your prize. Fast cash!'));
    assert.equal(h.get('TWO_OF_THREE'), 2.5);
    assert.equal(h.get('CASH_NOT_LIST'), 0.7);
    assert.equal(h.get('META_OF_META'), 1.1);
    assert.ok(![...h.keys()].some((k) => k.startsWith('__')));
    const one = hits(set, mail({}, 'You are a winner.'));
    assert.ok(!one.has('TWO_OF_THREE'));
  });

  it('tflags multiple counts matches for arithmetic metas', () => {
    assert.ok(hits(set, mail({}, 'Only $10, $20, $30 and $40!')).has('DOLLARS_3'));
    assert.ok(!hits(set, mail({}, 'Only $10 and $20.')).has('DOLLARS_3'));
  });

  it('default scores: 1, 0.01 for T_ rules, negative for nice rules', () => {
    const h = hits(set, mail({}, 'Thank you for your order. testing rule. version rule'));
    assert.equal(h.get('NICE_DEFAULT'), -1);
    assert.equal(h.get('T_TESTING'), 0.01);
    assert.equal(h.get('VERSION_OK'), 1);
  });

  it('score set 0 without Bayes, set 2 with it; check_bayes reads the probability', () => {
    const raw = mail({}, 'fast cash');
    assert.equal(hits(set, raw).get('BODY_CASH'), 2.0);
    const withBayes = hits(set, raw, 0.995);
    assert.equal(withBayes.get('BODY_CASH'), 1.0);
    assert.equal(withBayes.get('BAYES_99'), 3.5);
    assert.ok(!hits(set, raw, 0.5).has('BAYES_99'));
    assert.ok(set.bayesRules);
  });

  it('ReplaceTags rules run when slow rules are asked for', () => {
    const cf = emptyCf();
    parseCf(RULES, 'test.cf', cf, new Set(DEFAULT_PLUGINS));
    const slow = compileCf(cf, [], [], { slowRules: true });
    assert.ok(runSa(parseForScoring(mail({}, 'cheap \\/ I A here')), slow).hits.some((h) => h.rule === 'FUZZY_V'));
    assert.ok(!runSa(parseForScoring(mail({}, 'nothing to see')), slow).hits.some((h) => h.rule === 'FUZZY_V'));
  });

  it('a spent time budget stops the rules and says so', () => {
    const r = runSa(parseForScoring(mail({}, 'fast cash')), set, { budgetMs: -1 });
    assert.equal(r.budgetExceeded, true);
  });

  it('without SpamAssassin installed our own rules still load (GTUBE from local.cf)', () => {
    const own = buildSaRules([]);
    assert.ok(own.rules.some((r) => r.name === 'GTUBE'));
    assert.equal(own.dirs.length, 0);
  });
});

(haveSa ? describe : describe.skip)('SpamAssassin stock rules (Debian package installed)', () => {
  it('loads most of them and reports what was skipped and why', () => {
    const check = rulesCheck(loadSaRules([SA_DIR]));
    assert.ok(check.loaded > 1500, `loaded ${check.loaded}`);
    assert.ok(check.skipped > 0 && check.skipped < check.loaded / 2, `skipped ${check.skipped}`);
    assert.ok(check.reasons.some((r) => /network/.test(r.reason)));
  });

  it('scores with them: the names show in the reasons like X-Spam-Status', async () => {
    const v = await scoreMessage(null, mail({ Subject: 'FREE VIAGRA!!!' }, 'Buy cheap viagra online, no prescription needed. Click here to be removed.'), { sa: loadSaRules([SA_DIR]) });
    assert.ok(v.reasons.length >= 2, JSON.stringify(v.reasons));
    assert.ok(v.reasons.every((r) => /^[A-Z0-9_]+$/.test(r.rule)));
  });

  it('the prefilters change no verdict: the same hits with and without them on real mail', function () {
    this.timeout(120_000);
    // every 25th message of each corpus group (ham and spam, plain and HTML, many charsets)
    const files = corpusFiles(['easy-ham-1', 'hard-ham-1', 'spam-1', 'spam-2'], 25);
    const fast = loadSaRules([SA_DIR]);
    const every = buildSaRules([SA_DIR], undefined, { prefilter: false });
    let fired = 0;
    for (const f of files) {
      const msg = parseForScoring(fs.readFileSync(f));
      const a = runSa(msg, fast, { budgetMs: Infinity });
      const b = runSa(msg, every, { budgetMs: Infinity });
      assert.deepEqual(a.hits.map((h) => h.rule), b.hits.map((h) => h.rule), path.basename(f));
      fired += a.hits.length;
    }
    assert.ok(files.length > 100 && fired > files.length, `${files.length} messages, ${fired} hits`);
  });

  it('meta rules run in generated batches give what each run alone gives, on real mail', function () {
    this.timeout(60_000);
    const set = loadSaRules([SA_DIR]);
    let metaHits = 0;
    for (const file of corpusFiles(['easy-ham-1', 'spam-2'], 50)) {
      const msg = parseForScoring(fs.readFileSync(file));
      // the plain loop: every rule, then every meta rule by its own function, in order
      const v = new SaView(msg);
      v.freemail = set.freemail;
      v.literals = set.literals;
      v.regexSets = set.regexSets;
      const h = new Float64Array(set.slots);
      for (const r of set.rules) h[r.slot] = r.run ? r.run(v) : r.meta!(h);
      const expected = set.rules.filter((r) => h[r.slot] && !r.name.startsWith('__') && r.score0).map((r) => r.name);
      assert.deepEqual(runSa(msg, set, { budgetMs: Infinity }).hits.map((x) => x.rule), expected, path.basename(file));
      metaHits += set.rules.filter((r) => r.meta && h[r.slot]).length;
    }
    assert.ok(metaHits > 20, `${metaHits} meta hits`);
  });

  it('a hostile message against the whole rule set finishes (no catastrophic backtracking)', () => {
    // no budget: a pathological pattern would hang here until the test times out
    const set = loadSaRules([SA_DIR]);
    for (const body of ['a' + ' '.repeat(60000) + 'b', 'click here now '.repeat(5000), '='.repeat(70000), 'a.'.repeat(35000), 'http://a.example/' + 'a/'.repeat(30000), 'a\n'.repeat(30000)]) {
      const r = runSa(parseForScoring(mail({ Subject: 'S '.repeat(100) }, body)), set, { budgetMs: Infinity });
      assert.equal(r.budgetExceeded, false);
    }
  });
});
