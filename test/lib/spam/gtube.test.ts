// GTUBE: the standard test string makes any message spam (score 1000), however it is encoded,
// so an admin can check the filter end to end; a message without it is not touched.
import assert from 'node:assert/strict';
import { scoreMessage } from '../../../lib/spam';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

function mail(body: string, extra: string[] = []): Buffer {
  return Buffer.from(['From: admin@example.com', 'To: test@example.net', 'Subject: filter test', 'Date: Mon, 2 Sep 2024 10:00:00 +0200', 'Message-ID: <gtube.1@example.com>', ...extra, '', body, ''].join('\r\n'));
}

describe('GTUBE', () => {
  it('a plain message with the test string scores 1000 or more and is spam', async () => {
    const v = await scoreMessage(null, mail(`This is the GTUBE test.\r\n\r\n${GTUBE}\r\n`));
    assert.ok(v.score >= 1000, `score ${v.score}`);
    assert.equal(v.category, 'spam');
    assert.ok(v.reasons.some((r) => r.rule === 'GTUBE'));
  });

  it('also when the string sits in a base64-encoded HTML part', async () => {
    const html = Buffer.from(`<html><body><p>test</p><p>${GTUBE}</p></body></html>`).toString('base64');
    const v = await scoreMessage(null, mail(html, ['MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64']));
    assert.equal(v.category, 'spam');
    assert.ok(v.score >= 1000, `score ${v.score}`);
  });

  it('a damaged test string does nothing', async () => {
    const v = await scoreMessage(null, mail(GTUBE.replace('GTUBE', 'GTUB')));
    assert.ok(!v.reasons.some((r) => r.rule === 'GTUBE'));
    assert.ok(v.score < 5, `score ${v.score}`);
  });
});
