// Perl regex (as SpamAssassin rule files write them) -> JavaScript: a table of cases, each
// with texts the translation must and must not match, and the constructs that are refused.
import assert from 'node:assert/strict';
import { translatePerlRegex, splitPerlMatch } from '../../../lib/spam';

interface Case {
  perl: string;
  flags?: string;
  match: string[];
  noMatch: string[];
}

const CASES: Case[] = [
  { perl: 'viagra', flags: 'i', match: ['Buy VIAGRA now'], noMatch: ['vi agra'] },
  { perl: '(?i)free money', match: ['FREE Money'], noMatch: ['free-money'] },
  { perl: '(?i)(?s)a.b', match: ['A\nB'], noMatch: ['ab'] },
  { perl: '(?i:hello) world', flags: 'i', match: ['HELLO WORLD'], noMatch: ['hello'] },
  { perl: '^foo$', flags: 'm', match: ['x\nfoo\ny'], noMatch: ['xfoo'] },
  { perl: 'end\\z', match: ['the end'], noMatch: ['the end\n', 'end of it'] },
  { perl: 'end\\Z', match: ['the end', 'the end\n'], noMatch: ['the end\nmore'] },
  { perl: '\\Astart', match: ['start here'], noMatch: ['a start'] },
  { perl: ' a  b  # comment\n c ', flags: 'x', match: ['abc'], noMatch: ['a b c'] },
  { perl: '[ #]x', flags: 'x', match: ['#x', ' x'], noMatch: ['x'] },
  { perl: 'a++b', match: ['aaab'], noMatch: ['b'] },
  { perl: '(?>ab|a)c', match: ['abc'], noMatch: ['bc'] },
  { perl: 'x{2,}+y', match: ['xxxy'], noMatch: ['xy'] },
  { perl: '\\Qa.b*c\\E!', match: ['a.b*c!'], noMatch: ['aXbbc!'] },
  { perl: '[[:upper:]][[:digit:]]+', match: ['A12'], noMatch: ['a12'] },
  { perl: '\\h+\\d', match: ['\t 5'], noMatch: ['\n5'] },
  { perl: '\\x{41}\\x42\\xe9', match: ['AB\xe9'], noMatch: ['ab\xe9'] },
  { perl: '\\N+', match: ['abc'], noMatch: ['\n'] },
  { perl: '(?#a comment)abc', match: ['abc'], noMatch: ['ab'] },
  { perl: '(?P<w>ab)\\k{w}', match: ['abab'], noMatch: ['abba'] },
  { perl: 'caf\\xc3\\xa9', flags: 'i', match: ['CAF\xc3\xa9'], noMatch: ['cafe'] },
  { perl: 'low.{0,4} (?-i:P)rice', flags: 'i', match: ['LOW - Price', 'low Price'], noMatch: ['low price', 'LOW pRICE'] },
  { perl: '^(?:(?i:mon|tue),\\s)?\\d+ (?i:jan|feb)$', match: ['MON, 2 Jan', '2 FEB'], noMatch: ['2 Mar'] },
  { perl: 'x(?i)ab[c-e]', match: ['xABD', 'xabE'], noMatch: ['XAB', 'xABF'] },
  { perl: '(?i:(?<w>ab))\\k<w>', match: ['ABAB'], noMatch: ['ABab'] },
  { perl: 'a{,2}b', match: ['aab'], noMatch: ['ab'.replace('b', 'c')] },
];

const REFUSED: [string, string, RegExp][] = [
  ['\\Gabc', '', /\\G/],
  ['a\\Kb', '', /\\K/],
  ['(?R)', '', /construct/],
  ['(?|a|b)', '', /construct/],
  ['\\p{Lu}', '', /\\p/],
  ['\\x{263a}', '', /wide/],
  ['a(?s:.)b', '', /inline modifiers/],
  ['abc', 'e', /flag/],
];

describe('Perl regex -> JavaScript (SpamAssassin rules)', () => {
  for (const c of CASES) {
    it(`/${c.perl.replace(/\n/g, '\\n')}/${c.flags ?? ''}`, () => {
      const t = translatePerlRegex(c.perl, c.flags);
      assert.ok('re' in t, `refused: ${'error' in t ? t.error : ''}`);
      for (const s of c.match) assert.ok(t.re.test(s), `should match ${JSON.stringify(s)} (${t.re})`);
      for (const s of c.noMatch) assert.ok(!t.re.test(s), `should not match ${JSON.stringify(s)} (${t.re})`);
    });
  }

  for (const [perl, flags, why] of REFUSED) {
    it(`refuses /${perl}/${flags} with a reason`, () => {
      const t = translatePerlRegex(perl, flags);
      assert.ok('error' in t, `translated as ${'re' in t ? t.re : ''}`);
      assert.match(t.error, why);
    });
  }

  it('splits match operators as rule files write them', () => {
    assert.deepEqual(splitPerlMatch('/a\\/b/i'), { pattern: 'a\\/b', flags: 'i' });
    assert.deepEqual(splitPerlMatch('m{a/b}is'), { pattern: 'a/b', flags: 'is' });
    assert.deepEqual(splitPerlMatch("m'^http'i"), { pattern: '^http', flags: 'i' });
    assert.deepEqual(splitPerlMatch('m!x!'), { pattern: 'x', flags: '' });
    assert.equal(splitPerlMatch('eval:foo()'), undefined);
    assert.equal(splitPerlMatch('/abc/ junk'), undefined);
  });
});
