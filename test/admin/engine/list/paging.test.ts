// admin/engine/list/paging: page links keep the search filters.
import assert from 'node:assert/strict';
import { pageUrl } from '../../../../admin/engine/list/paging';

describe('admin/engine/list pageUrl', () => {
  it('keeps the filters given, drops empty ones, and leaves page 1 out', () => {
    const url = pageUrl('/mailboxes', { address: 'a+b@x', name: '', active: '1' });
    assert.equal(url(1), '/mailboxes?q_address=a%2Bb%40x&q_active=1');
    assert.equal(url(3), '/mailboxes?q_address=a%2Bb%40x&q_active=1&page=3');
    assert.equal(pageUrl('/domains', {})(2), '/domains?page=2');
    assert.equal(pageUrl('/domains', {})(1), '/domains');
  });
});

describe('admin/engine/list pageUrl anchors', () => {
  it('anchors links to deep pages near the current one at its first row, and only those', () => {
    const here = { page: 500, id: 1234, total: 15_000 }; // 1,000 pages
    const url = pageUrl('/mailboxes', { active: '1' }, here);
    assert.equal(url(501), '/mailboxes?q_active=1&page=501&from=500.1234');
    assert.equal(url(496), '/mailboxes?q_active=1&page=496&from=500.1234');
    assert.equal(url(1), '/mailboxes?q_active=1'); // first and last pages are read from their end
    assert.equal(url(1000), '/mailboxes?q_active=1&page=1000');
    assert.equal(url(700), '/mailboxes?q_active=1&page=700'); // too far from the anchor
    // a small list keeps plain links
    assert.equal(pageUrl('/mailboxes', {}, { page: 2, id: 9, total: 40 })(3), '/mailboxes?page=3');
  });
});
