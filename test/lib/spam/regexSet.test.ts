// The one-pass regex set that prefilters the rules with no required string: it may say "may
// match" too often (the rule's own regex decides) but never "cannot match" for a text the
// JavaScript regex matches.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { corpusFiles } from '../../helpers/corpus';
import { RegexSet, supersetSource, regexSetsAvailable, buildSaRules, parseForScoring, runSa, type SaRuleSet } from '../../../lib/spam';
import { SaView, type TextKind } from '../../../lib/spam/saview';

const SA_DIR = '/usr/share/spamassassin';

describe('spam rules: supersetSource (a JavaScript regex widened for RE2)', () => {
  it('drops lookarounds (and a quantifier on them), whatever they hold', () => {
    assert.equal(supersetSource('foo(?!bar)baz'), 'foobaz');
    assert.equal(supersetSource('(?<![\\s\\S])a(?=\\S)*b'), 'ab');
    assert.equal(supersetSource('x(?!a(?:b|c)\\1)y'), 'xy');
  });

  it('turns back-references into "anything" and named groups into plain ones', () => {
    assert.equal(supersetSource('(a+)-\\1'), '(?:a+)-[\\s\\S]*');
    assert.equal(supersetSource('(?<w>ab)c'), '(?:ab)c');
  });

  it('widens \\s to JavaScript\'s (\\v, U+00A0 and the Unicode spaces too), in classes and negated classes alike', () => {
    const ws = '\\s\\x0b\\xa0\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
    assert.equal(supersetSource('a\\sb'), `a[${ws}]b`);
    assert.equal(supersetSource('a[^\\s,]b'), `a[^${ws},]b`);
    assert.equal(supersetSource('a\\Sb'), `a[^${ws}]b`);
  });

  it('drops ^ and $ of a multi-line regex (JavaScript also breaks lines at \\r)', () => {
    assert.equal(supersetSource('^a[$^]b$', true), 'a[$^]b');
    assert.equal(supersetSource('^a$'), '^a$');
  });

  it('refuses what it cannot widen safely', () => {
    for (const src of ['a[\\S]', 'a\\k<w>', '[]', 'a(?i)b', '(a', 'a)', '[abc']) assert.equal(supersetSource(src), null, src);
    assert.equal(supersetSource('a[^]b'), 'a[\\s\\S]b');
  });
});

(regexSetsAvailable() ? describe : describe.skip)('spam rules: RegexSet (RE2 installed)', () => {
  it('says which regexes may match, in one scan of a text or of a list of texts', () => {
    const set = new RegexSet();
    const ids = [/viagra/i, /^subject line/, /\d{5,}/, /a(?!b)/, /end$/].map((re) => set.add(re));
    assert.ok(ids.every((id) => id !== null));
    assert.deepEqual([...set.scan('Subject line\nBuy VIAGRA now, 123456 tablets. end')], [1, 0, 1, 1, 1]);
    assert.deepEqual([...set.scan(['nothing here', 'subject line'])], [0, 1, 0, 0, 0]);
  });

  it('never misses where JavaScript matches: \\v, U+00A0, \\r line breaks, lookarounds, back-references', () => {
    const cases: [RegExp, string][] = [
      [/a\sb/, 'a\x0bb'],
      [/a\sb/, 'a\xa0b'],
      [/^b/m, 'a\rb'],
      [/a$/m, 'a\rb'],
      [/(?<=x)y/, 'xy'],
      [/(ab)c\1/, 'abcab'],
      [/caf\xe9/i, 'CAF\xc9'],
      [/a\sb/, 'a\u3000b'],
      [/a[^\s,]b/, 'axb'],
    ];
    for (const [re, text] of cases) {
      assert.ok(re.test(text), `${re} matches ${JSON.stringify(text)} in JavaScript`);
      const set = new RegexSet();
      const id = set.add(re);
      if (id === null) continue; // not in a set: the rule always runs its regex
      assert.equal(set.scan(text)[id], 1, `${re} on ${JSON.stringify(text)}`);
    }
  });

  it('keeps out what it cannot take: sticky or unicode regexes, patterns RE2 refuses', () => {
    const set = new RegexSet();
    assert.equal(set.add(/a/y), null);
    assert.equal(set.add(/a/u), null);
    assert.equal(set.add(/a[\S]b/), null);
    assert.equal(set.size, 0);
    assert.deepEqual([...set.scan('anything')], []);
  });

  it('a set too big for RE2 is split, and a huge hostile text is scanned in linear time', () => {
    const set = new RegexSet();
    // counted repetitions make big programs: together they exceed RE2's budget, alone they fit
    for (let i = 0; i < 40; i++) set.add(new RegExp(`<[^>]{1,1000}x${i}=[^>]{1,1000}y${i}`, 'i'));
    const text = '<'.repeat(100_000) + 'a'.repeat(100_000) + '<a X7=' + 'b'.repeat(10) + 'Y7>';
    const t = Date.now();
    const found = set.scan(text);
    assert.ok(Date.now() - t < 30_000);
    assert.equal(found[7], 1);
    // the parts compiled: the others are told apart, not all let through
    assert.equal(found.reduce((a, b) => a + b, 0), 1);
  });
});

(regexSetsAvailable() && fs.existsSync(SA_DIR) ? describe : describe.skip)('spam rules: the stock rules in one-pass sets (RE2 and SpamAssassin installed)', () => {
  it('no rule in a set is ever told "cannot match" on real mail where its regex matches', function () {
    this.timeout(120_000);
    const set: SaRuleSet = buildSaRules([SA_DIR]);
    const kinds: TextKind[] = ['body', 'rawbody', 'full', 'uri'];
    assert.ok(set.regexSets.body.size > 30, `${set.regexSets.body.size} body rules in the set`);
    let checked = 0;
    let maybes = 0;
    for (const file of corpusFiles(['easy-ham-1', 'hard-ham-1', 'spam-1', 'spam-2'], 20)) {
      const v = new SaView(parseForScoring(fs.readFileSync(file)));
      v.regexSets = set.regexSets;
      for (const kind of kinds) {
        const may = v.mayMatch(kind);
        const texts = kind === 'uri' ? v.uris : [v[kind]];
        set.regexSets[kind].regexes.forEach((re, id) => {
          re.lastIndex = 0;
          const js = texts.some((t) => {
            re.lastIndex = 0;
            return re.test(t);
          });
          if (js) assert.equal(may[id], 1, `${path.basename(file)}: ${kind} ${re} matches, the set said no`);
          maybes += may[id];
          checked++;
        });
      }
    }
    assert.ok(checked > 10_000, `${checked} checks`);
    assert.ok(maybes < checked / 4, `the set lets ${maybes} of ${checked} through`);
  });
});

(fs.existsSync(SA_DIR) ? describe : describe.skip)('spam rules without the re2 addon (an optional dependency)', () => {
  it('every rule then runs its regex, with the same hits', function () {
    this.timeout(60_000);
    const raw = 'From: a@example.com\r\nTo: b@example.net\r\nSubject: FREE VIAGRA!!!\r\n\r\nBuy cheap viagra online, no prescription needed.\r\nClick here to be removed.\r\n';
    // a process in which require('re2') fails, as where the addon did not build
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (r, ...a) { if (r === 're2') throw new Error('no re2'); return resolve.call(this, r, ...a); };
      const spam = require(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'lib', 'spam'))});
      const set = spam.buildSaRules([${JSON.stringify(SA_DIR)}]);
      const r = spam.runSa(spam.parseForScoring(Buffer.from(${JSON.stringify(raw)})), set, { budgetMs: Infinity });
      console.log(JSON.stringify({ available: spam.regexSetsAvailable(), inSets: set.regexSets.body.size, hits: r.hits.map((h) => h.rule) }));`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const without = JSON.parse(out.stdout) as { available: boolean; inSets: number; hits: string[] };
    assert.equal(without.available, false);
    assert.equal(without.inSets, 0);
    const here = runSa(parseForScoring(Buffer.from(raw)), buildSaRules([SA_DIR]), { budgetMs: Infinity });
    assert.deepEqual(without.hits, here.hits.map((h) => h.rule));
    assert.ok(without.hits.length >= 2, without.hits.join());
  });
});
