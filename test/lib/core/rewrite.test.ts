// applyHeaderEdits: the received bytes with the fields steps added in front and those they
// removed taken out. Its shortcut (fields only added in front) must give exactly what the
// general matching (matchHeaderEdits) gives.
import assert from 'node:assert/strict';
import { applyHeaderEdits, matchHeaderEdits, headerEnd, headerFields } from '../../../lib/core';

const oracle = matchHeaderEdits;

/** Haraka's header_list for a header block: each field with LF line ends. */
const listOf = (head: string) => headerFields(head).map((f) => f.raw.replace(/\r\n/g, '\n'));

const HEAD = 'Received: from a.test\r\n\tby b.test\r\nFrom: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: hello\r\nX-Spam-Flag: YES\r\n';
const BODY = 'line one\r\n\r\nline two\r\n';

describe('lib/core applyHeaderEdits', () => {
  it('fields added in front: the received bytes after them, unchanged (same result as the general matching)', () => {
    const raw = Buffer.from(`${HEAD}\r\n${BODY}`, 'latin1');
    const list = ['X-Spam-Status: No, score=0.1\n', 'X-Spam-Score: 0.1', 'Received: from c.test\r\n\tby d.test\n', ...listOf(HEAD)];
    const out = applyHeaderEdits(raw, list);
    assert.equal(out.toString('latin1'), `X-Spam-Status: No, score=0.1\r\nX-Spam-Score: 0.1\r\nReceived: from c.test\r\n\tby d.test\r\n${HEAD}\r\n${BODY}`);
    assert.deepEqual(out, oracle(raw, list));
    assert.equal(applyHeaderEdits(raw, listOf(HEAD)), raw, 'no edit: the same buffer');
  });

  it('gives what the general matching gives, whatever the edits and line ends', () => {
    const heads = [
      HEAD,
      HEAD.replace(/\r\n/g, '\n'),
      'From: a@b.test\r\nSubject: caf\xe9\r\n',
      'From: a@b.test\r\n   \r\nSubject: x\r\n', // a blank-looking line inside
      'From: a@b.test\r\nSubject: no line end',
      'Subject: same\r\nSubject: same\r\n',
    ];
    const extras = [[], ['X-A: 1\n'], ['X-A: 1\n', 'X-A: 1\n'], ['Subject: same\n'], ['X-B: two\n\tlines\n']];
    let cases = 0;
    for (const head of heads) {
      const raw = Buffer.from(head.endsWith('\n') ? `${head}\r\n${BODY}` : head, 'latin1');
      const fields = headerFields(raw.subarray(0, headerEnd(raw)).toString('latin1')).map((f) => Buffer.from(f.raw, 'latin1').toString('utf8').replace(/\r\n/g, '\n'));
      const variants = [fields, fields.slice(1), fields.slice(0, -1), [...fields].reverse(), fields.map((f) => f.replace('\n', '\r\n'))];
      for (const v of variants) {
        for (const extra of extras) {
          for (const list of [[...extra, ...v], [...v, ...extra]]) {
            assert.deepEqual(applyHeaderEdits(raw, list).toString('latin1'), oracle(raw, list).toString('latin1'), JSON.stringify({ head, list }));
            cases++;
          }
        }
      }
    }
    assert.ok(cases >= 300);
  });

  it('leaves to the general matching what the shortcut would write otherwise', () => {
    const cases: [string, string[]][] = [
      // the same field added twice around another: written together
      ['R: 1\r\n\r\nbody', ['A: 1\n', 'B: 2\n', 'A: 1\n', 'R: 1\n']],
      // a list entry with one line break too many is not the received field
      ['Z: c\r\nX: a\r\n\r\nbody', ['Z: c\n', 'X: a\n\n']],
      // a skipped white-space line and a last line without its break
      ['X: a\n \nY: b', ['Z: c\n', 'X: a\n', 'Y: b\n']],
      ['X: a\n\r\nY: b', ['Z: c\n', 'X: a\n', 'Y: b\n']],
    ];
    for (const [head, list] of cases) {
      const raw = Buffer.from(head, 'latin1');
      assert.equal(applyHeaderEdits(raw, list).toString('latin1'), oracle(raw, list).toString('latin1'), JSON.stringify({ head, list }));
    }
  });
});
