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
