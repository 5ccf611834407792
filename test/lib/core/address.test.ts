import assert from 'node:assert/strict';
import { parseAddress, parseHeaderAddress, normalizeDomain, splitSubaddress, unquoteLocalPart } from '../../../lib/core';

describe('address parsing', () => {
  const ok: [string, string][] = [
    ['User@Example.COM', 'user@example.com'],
    ['<a.b@example.com>', 'a.b@example.com'],
    ['jean@exämple.fr', 'jean@xn--exmple-cua.fr'],
    ['jean@XN--EXMPLE-CUA.FR', 'jean@xn--exmple-cua.fr'],
    ['x+tag@example.com.', 'x+tag@example.com'],
  ];
  for (const [input, expected] of ok) {
    it(`normalises ${input}`, () => assert.equal(parseAddress(input).address, expected));
  }
  const bad = ['', 'noat', '@example.com', 'user@', 'a..b@example.com', '.a@example.com', 'a b@example.com', 'a@exa mple.com', 'a@localhost', 'a@1.2.3.4', 'a/b@example.com', `${'x'.repeat(65)}@example.com`, 'a@-bad.com'];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => parseAddress(input)));
  }
  it('normalises domains and refuses bad ones', () => {
    assert.equal(normalizeDomain('Exemple.FR'), 'exemple.fr');
    assert.equal(normalizeDomain('bad_domain.fr'), null);
  });
  it('splits subaddresses', () => {
    assert.deepEqual(splitSubaddress('user+news'), { base: 'user', tag: 'news' });
    assert.equal(splitSubaddress('user'), null);
    assert.equal(splitSubaddress('+x'), null);
  });

  it('takes a quoted local part that is a plain dot-atom as the same mailbox; keeps others quoted', () => {
    assert.equal(parseAddress('<"Jean"@Example.com>').address, 'jean@example.com');
    assert.equal(parseAddress('"jean.dupont"@example.com').address, 'jean.dupont@example.com');
    assert.equal(unquoteLocalPart('"john"'), 'john');
    assert.equal(unquoteLocalPart('"john doe"'), '"john doe"');
    assert.equal(unquoteLocalPart('john'), 'john');
    assert.throws(() => parseAddress('"john doe"@example.com'), /invalid local part/);
  });

  const headers: [string, { address: string; name: string; domain: string }][] = [
    ['"Shop, Inc" <News@Shop.example>', { address: 'news@shop.example', name: 'Shop, Inc', domain: 'shop.example' }],
    ['news@shop.example (The Shop)', { address: 'news@shop.example', name: 'The Shop', domain: 'shop.example' }],
    ['Name <a@b.example>, Other <c@d.example>', { address: 'a@b.example', name: 'Name', domain: 'b.example' }],
    ['Jean\r\n <jean@example.fr>', { address: 'jean@example.fr', name: 'Jean', domain: 'example.fr' }],
    ['<mailto:x@y.example>', { address: 'x@y.example', name: '', domain: 'y.example' }],
    ['undisclosed-recipients:;', { address: '', name: 'undisclosed-recipients:;', domain: '' }],
    ['', { address: '', name: '', domain: '' }],
  ];
  for (const [value, want] of headers) {
    it(`reads the header address ${JSON.stringify(value)}`, () => assert.deepEqual(parseHeaderAddress(value.replace('\\r\\n', '\r\n')), want));
  }
});
