// lib/core sortKey: names sort as people read them, not by their xn-- form.
import assert from 'node:assert/strict';
import { domainToASCII } from 'node:url';
import { domainSortKey, addressSortKey, foldForSort } from '../../../lib/core';

describe('lib/core sortKey', () => {
  it('reads the IDNA form in Unicode and folds accents and ligatures', () => {
    const ecole = domainToASCII('école-des-arts.fr');
    assert.match(ecole, /^xn--/);
    assert.equal(domainSortKey(ecole), 'ecole-des-arts.fr');
    assert.equal(addressSortKey(`Jean@${domainToASCII('cœur.fr')}`), 'jean@coeur.fr');
    assert.equal(foldForSort('Straße'), 'strasse');
    const sorted = ['fabrique.fr', ecole, 'delta.fr'].sort((a, b) => (domainSortKey(a) < domainSortKey(b) ? -1 : 1));
    assert.deepEqual(sorted, ['delta.fr', ecole, 'fabrique.fr']);
  });

  it('leaves ASCII names as they are stored (lower case)', () => {
    assert.equal(domainSortKey('example.com'), 'example.com');
    assert.equal(addressSortKey('*@example.com'), '*@example.com');
  });
});
