// lib/spam parsing: decoded text, headers, URL hosts, and hostile MIME (huge headers, deep
// nesting, broken encodings, 50 MB) that must finish, flag the limit it hit and never throw.
import assert from 'node:assert/strict';
import { parseForScoring, tokenize, messageHash, headerValue, htmlToText, hostOf } from '../../../lib/spam';

const CRLF = '\r\n';
function msg(headers: string[], body: string): Buffer {
  return Buffer.from([...headers, '', body].join(CRLF), 'utf8');
}

describe('spam parse: decoding', () => {
  it('decodes RFC 2047 headers, quoted-printable, base64 and charsets', () => {
    const raw = msg(
      [
        'From: =?utf-8?B?SsOpcsO0bWU=?= <Jerome@Example.COM>',
        'To: a@example.net, b@example.net',
        'Subject: =?iso-8859-1?Q?Caf=E9_cr=E8me?=',
        'Message-ID: <abc@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="b1"',
      ],
      [
        '--b1',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Bient=F4t l=27=E9t=E9 =',
        'ici',
        '--b1',
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('<html><head><style>p{color:red}</style></head><body><p>Vi<b></b>agra &amp; co</p><script>alert(1)</script><a href="http://user@evil.example.net:8080/x">http://www.bank.example/</a></body></html>').toString('base64'),
        '--b1--',
        '',
      ].join(CRLF),
    );
    const m = parseForScoring(raw);
    assert.equal(m.subject, 'Café crème');
    assert.equal(m.from.address, 'jerome@example.com');
    assert.equal(m.from.name, 'Jérôme');
    assert.equal(m.from.domain, 'example.com');
    assert.equal(m.recipients, 2);
    assert.deepEqual(m.parts.map((p) => p.type), ['multipart/alternative', 'text/plain', 'text/html']);
    assert.match(m.text, /Bientôt l'été ici/);
    assert.match(m.text, /Viagra & co/, 'inline tags vanish without a space, entities decoded');
    assert.doesNotMatch(m.text, /color:red|alert/, 'style and script are not text');
    assert.ok(m.hosts.some((h) => h.host === 'evil.example.net'), 'user info and port stripped from URL hosts');
    assert.equal(m.html.links[0].text, 'http://www.bank.example/');
    assert.deepEqual(m.limits, []);
    assert.equal(headerValue(m, 'message-id'), '<abc@example.com>');
  });

  it('skips an mbox From_ line and treats a message without Content-Type as text', () => {
    const m = parseForScoring(Buffer.from('From someone@example.com Thu Aug 22 13:17:22 2002\nSubject: hi\nFrom: a@example.com\n\nhello there\nhttp://1.2.3.4/x\n'));
    assert.equal(m.subject, 'hi');
    assert.match(m.text, /hello there/);
    assert.deepEqual(m.hosts, [{ host: '1.2.3.4', ip: true }]);
  });

  it('extracts hosts of URLs defensively', () => {
    assert.deepEqual(hostOf('https://WWW.Example.COM./path'), { host: 'www.example.com', ip: false });
    assert.deepEqual(hostOf('http://paypal.com@10.0.0.1/login'), { host: '10.0.0.1', ip: true });
    assert.deepEqual(hostOf('http://3232235777/'), { host: '3232235777', ip: true });
    assert.equal(hostOf('mailto:x@example.com'), undefined);
    assert.equal(hostOf('/relative/path'), undefined);
    assert.deepEqual(hostOf('www.shop.example/a'), { host: 'www.shop.example', ip: false });
  });

  it('turns HTML into text without stalling on broken markup', () => {
    const t = htmlToText('<p>one<br>two</p><!-- hidden -->three<a href="x" <b>four</b> <div attr="unterminated>five');
    assert.match(t.text, /one\ntwo/);
    assert.match(t.text, /three/);
    assert.doesNotMatch(t.text, /hidden/);
    const huge = htmlToText('<'.repeat(200000) + 'a'.repeat(1000));
    assert.ok(huge.text.length > 0);
  });

  it('gives a stable content hash that ignores headers added in transit', () => {
    const base = ['From: a@example.com', 'Subject: s', 'Message-ID: <1@example.com>', 'Date: Mon, 1 Jan 2024 00:00:00 +0000'];
    const a = messageHash(parseForScoring(msg(base, 'body text')));
    const b = messageHash(parseForScoring(msg(['Received: from x by y', 'X-Spam-Score: 9', ...base], 'body text\r\n')));
    const c = messageHash(parseForScoring(msg(base, 'other body')));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });
});

describe('spam parse: hostile input', () => {
  it('a huge header (8 MB, no blank line) is cut at the header limit', () => {
    const raw = Buffer.from(`Subject: x\r\nX-Junk: ${'a'.repeat(8 * 1024 * 1024)}\r\n\r\nbody`);
    const m = parseForScoring(raw);
    assert.ok(m.limits.includes('header') || m.limits.includes('scan'), m.limits.join(','));
    assert.equal(m.subject, 'x');
    assert.ok(tokenize(m).length > 0);
  });

  it('a million header lines keep only the first fields', () => {
    const raw = Buffer.from(`${'X-A: b\r\n'.repeat(1_000_000)}Subject: late\r\n\r\nbody`);
    const m = parseForScoring(raw);
    assert.ok(m.headers.length <= 300);
    assert.ok(m.limits.length > 0);
  });

  it('1000-deep multipart nesting stops at the depth limit', () => {
    let body = 'deep text';
    for (let i = 999; i >= 0; i--) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--\r\n`;
    const raw = Buffer.from(`Subject: nest\r\nMIME-Version: 1.0\r\n${body}`);
    const m = parseForScoring(raw);
    assert.ok(m.limits.includes('depth') || m.limits.includes('parts'), m.limits.join(','));
    assert.ok(Math.max(...m.parts.map((p) => p.depth)) <= 12);
  });

  it('thousands of parts stop at the part limit', () => {
    const parts = Array.from({ length: 5000 }, (_, i) => `--B\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const m = parseForScoring(Buffer.from(`Content-Type: multipart/mixed; boundary=B\r\n\r\n${parts}--B--\r\n`));
    assert.ok(m.limits.includes('parts'));
    assert.ok(m.parts.length <= 64);
  });

  it('broken base64, broken quoted-printable and unknown charsets do not throw', () => {
    const raw = msg(
      ['Content-Type: multipart/mixed; boundary=X'],
      [
        '--X',
        'Content-Type: text/plain; charset=x-no-such-charset',
        'Content-Transfer-Encoding: base64',
        '',
        'SGVsbG8gd29ybGQ!!!***%%%===SGV', // not base64
        '--X',
        'Content-Type: text/html; charset="utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '=ZZ=4=\r\n<p>=E9=C3=28 broken</p>=',
        '--X',
        'Content-Type: multipart/alternative', // no boundary
        '',
        'stuff',
        // no closing delimiter at all
      ].join(CRLF),
    );
    const m = parseForScoring(raw);
    assert.ok(m.parts.some((p) => p.broken === 'base64'));
    assert.ok(m.parts.some((p) => p.broken === 'no boundary'));
    assert.match(m.text, /Hello world/);
    assert.match(m.text, /broken/);
  });

  it('a 50 MB message is read only up to the scan limit', () => {
    const head = 'Subject: big\r\nContent-Type: text/plain\r\n\r\n';
    const raw = Buffer.alloc(50 * 1024 * 1024, 'spam spam lovely spam\r\n');
    raw.write(head, 0, 'latin1');
    const m = parseForScoring(raw);
    assert.equal(m.size, raw.length);
    assert.ok(m.limits.includes('scan'));
    assert.ok(m.limits.includes('text'));
    assert.ok(m.text.length <= 256 * 1024);
    assert.ok(tokenize(m).length > 0);
  });

  it('a 50 MB single base64 line and a 50 MB HTML tag are bounded too', () => {
    const b64 = Buffer.concat([Buffer.from('Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n'), Buffer.alloc(50 * 1024 * 1024, 'PGI+')]);
    assert.ok(parseForScoring(b64).limits.includes('scan'));
    const tag = Buffer.concat([Buffer.from('Content-Type: text/html\r\n\r\n<a href="'), Buffer.alloc(50 * 1024 * 1024, 'x')]);
    assert.ok(parseForScoring(tag).limits.includes('scan'));
  });

  it('garbage bytes parse into something', () => {
    const junk = Buffer.alloc(300000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    const m = parseForScoring(junk);
    assert.ok(Array.isArray(m.parts));
    parseForScoring(Buffer.alloc(0));
  });
});
