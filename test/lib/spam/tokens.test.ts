// lib/spam tokens: the body words are what /\S+/g would find, though found without a regex.
import assert from 'node:assert/strict';
import { parseForScoring, tokenSequence } from '../../../lib/spam';
import { isSpace } from '../../../lib/spam/tokens';

describe('spam tokens: body words', () => {
  it('isSpace is what \\s matches, for every UTF-16 unit', () => {
    const re = /\s/;
    for (let c = 0; c <= 0xffff; c++) assert.equal(isSpace(c), re.test(String.fromCharCode(c)), `U+${c.toString(16)}`);
  });

  it('splits the body at every kind of white space, as /\\S+/g does', () => {
    const body = ' alpha\tbravo\u00a0charlie\u2003delta\u3000echo\u2028foxtrot\ufeffgolf\r\n\r\nhotel  india\u200bjuliet\u202fkilo lima';
    const raw = Buffer.from(`From: a@b.test\r\nSubject: words\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`, 'utf8');
    const msg = parseForScoring(raw);
    // plain words come out as they are; the others are trimmed, folded or dropped
    const plain = (w: string) => /^[a-z]{3,12}$/.test(w);
    const expected = msg.text.match(/\S+/g)!.filter(plain);
    assert.equal(expected.length, 10, JSON.stringify(msg.text));
    assert.deepEqual(tokenSequence(msg).words.filter(plain), expected);
  });
});
