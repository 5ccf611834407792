// The HTML part of a held message, sanitised: what a hostile sender writes comes out inert.
import assert from 'node:assert/strict';
import { sanitizeMailHtml } from '../../../lib/quarantine';

describe('sanitizeMailHtml', () => {
  it('keeps structure and text formatting', () => {
    assert.equal(sanitizeMailHtml('<p>Hello <b>you</b></p><table><tr><td colspan="2">x</td></tr></table>'), '<p>Hello <b>you</b></p><table><tr><td colspan="2">x</td></tr></table>');
  });

  it('drops scripts, styles, handlers, frames, forms and anything that loads or links', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<style>body{background:url(http://evil.test/a.png)}</style>',
      '<p onclick="alert(2)" style="background:url(http://evil.test/b.png)">text</p>',
      '<a href="javascript:alert(3)">click</a><a href="http://evil.test/track">site</a>',
      '<img src="http://evil.test/pixel.png" alt="logo" onerror="alert(4)">',
      '<iframe src="http://evil.test/"></iframe><object data="x"></object><embed src="y">',
      '<form action="http://evil.test/"><input name="p"></form>',
      '<svg onload="alert(5)"><image href="http://evil.test/c.png"/></svg>',
      '<link rel="stylesheet" href="http://evil.test/s.css"><meta http-equiv="refresh" content="0;url=http://evil.test/">',
    ].join('');
    const out = sanitizeMailHtml(hostile);
    assert.doesNotMatch(out, /script|alert|style|on\w+=|href|src=|evil\.test|iframe|object|embed|form|input|svg|link|meta/i);
    assert.match(out, /<p>text<\/p>/);
    assert.match(out, /<a>click<\/a><a>site<\/a>/);
    assert.match(out, /\[logo\]/);
  });
});
