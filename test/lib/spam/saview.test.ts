// lib/spam saview: the rendered body text (one line per paragraph) equals what the regular
// expressions it replaced gave, over random texts made mostly of white space of every kind.
import assert from 'node:assert/strict';
import { renderParagraphs } from '../../../lib/spam/saview';

const byRegex = (text: string) =>
  text
    .split(/\n[ \t\r]*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');

describe('spam saview: rendered paragraphs', () => {
  it('equals the regex rendering on random texts (blank lines, CR, tabs, Unicode spaces, lone surrogates)', () => {
    const alphabet = ['a', 'bc', ' ', ' ', '\n', '\n', '\t', '\r', '\r\n', '\u00a0', '\v', '\f', '\u2028', '\u3000', '\ufeff', 'é', '\ud83d\ude00', '\ud800', '\u200b'];
    let seed = 7;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    for (let i = 0; i < 5000; i++) {
      let text = '';
      for (let j = rnd(40); j > 0; j--) text += alphabet[rnd(alphabet.length)];
      assert.equal(renderParagraphs(text), byRegex(text), JSON.stringify(text));
    }
  });

  it('keeps plain text as it is', () => {
    const text = 'The quick brown fox.\r\n\r\nJumps over\tthe  lazy dog.\r\n';
    assert.equal(renderParagraphs(text), 'The quick brown fox.\nJumps over the lazy dog.');
    assert.equal(renderParagraphs('one two'), 'one two');
    assert.equal(renderParagraphs(' \n\t '), '');
  });
});
