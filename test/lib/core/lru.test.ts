// The bounded map behind the per-process caches: never more than `max` entries, the least
// recently used one leaves first.
import assert from 'node:assert/strict';
import { LruMap } from '../../../lib/core';

describe('LruMap', () => {
  it('keeps at most max entries, dropping the least recently used', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    assert.equal(m.get('a'), 1); // a is now the most recent
    m.set('c', 3);
    assert.equal(m.size, 2);
    assert.equal(m.get('b'), undefined);
    assert.equal(m.get('a'), 1);
    assert.equal(m.get('c'), 3);
  });

  it('refuses a size below one', () => {
    assert.throws(() => new LruMap(0), /at least 1/);
  });
});
