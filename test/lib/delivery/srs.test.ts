import assert from 'node:assert/strict';
import { srsForward, srsReverse } from '../../../lib/delivery';

const SECRET = 'srs-unit-secret';
const DAY = 86400;
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0) / 1000;

function localPart(address: string): string {
  return address.slice(0, address.lastIndexOf('@'));
}

describe('SRS', () => {
  it('rewrites the sender as SRS0=hash=tt=domain=local@forwarding-domain', () => {
    const srs = srsForward('alice@remote.test', 'example.com', SECRET, NOW);
    assert.match(srs, /^SRS0=[0-9a-f]{8}=[a-z2-7]{2}=remote\.test=alice@example\.com$/);
  });

  it('reverses what it issued to the original sender', () => {
    const srs = srsForward('alice@remote.test', 'example.com', SECRET, NOW);
    assert.equal(srsReverse(localPart(srs), SECRET, NOW), 'alice@remote.test');
  });

  it('is case-insensitive on reversal (MTAs fold local parts)', () => {
    const local = localPart(srsForward('Alice.Smith@Remote.TEST', 'example.com', SECRET, NOW));
    assert.equal(srsReverse(local.toLowerCase(), SECRET, NOW)?.toLowerCase(), 'alice.smith@remote.test');
    assert.equal(srsReverse(local.toUpperCase(), SECRET, NOW)?.toLowerCase(), 'alice.smith@remote.test');
  });

  it('lower-cases the original domain and keeps the local part', () => {
    const srs = srsForward('Bob@Remote.TEST', 'example.com', SECRET, NOW);
    assert.match(srs, /=remote\.test=Bob@example\.com$/);
    assert.equal(srsReverse(localPart(srs), SECRET, NOW), 'Bob@remote.test');
  });

  it('keeps "=" inside the original local part', () => {
    const srs = srsForward('a=b@remote.test', 'example.com', SECRET, NOW);
    assert.equal(srsReverse(localPart(srs), SECRET, NOW), 'a=b@remote.test');
  });

  it('leaves the null sender empty (bounces are not rewritten)', () => {
    assert.equal(srsForward('', 'example.com', SECRET, NOW), '');
  });

  it('does not rewrite twice an address it already issued for the same domain', () => {
    const srs = srsForward('alice@remote.test', 'example.com', SECRET, NOW);
    assert.equal(srsForward(srs, 'example.com', SECRET, NOW), srs);
  });

  it('rewrites an SRS address of another domain (it is just a sender to us)', () => {
    const theirs = srsForward('alice@remote.test', 'other.test', 'their-secret', NOW);
    const ours = srsForward(theirs, 'example.com', SECRET, NOW);
    assert.match(ours, /@example\.com$/);
    assert.equal(srsReverse(localPart(ours), SECRET, NOW), theirs);
  });

  it('refuses a forged hash', () => {
    const local = localPart(srsForward('alice@remote.test', 'example.com', SECRET, NOW));
    const [, h] = local.split('=');
    const forged = local.replace(h, h.split('').reverse().join(''));
    assert.notEqual(forged, local);
    assert.equal(srsReverse(forged, SECRET, NOW), null);
  });

  it('refuses a changed original address (hash covers domain and local part)', () => {
    const local = localPart(srsForward('alice@remote.test', 'example.com', SECRET, NOW));
    assert.equal(srsReverse(local.replace('=alice', '=mallory'), SECRET, NOW), null);
    assert.equal(srsReverse(local.replace('=remote.test=', '=evil.test='), SECRET, NOW), null);
  });

  it('refuses an address signed with another secret', () => {
    const local = localPart(srsForward('alice@remote.test', 'example.com', 'another-secret', NOW));
    assert.equal(srsReverse(local, SECRET, NOW), null);
  });

  it('refuses a changed timestamp (hash covers it)', () => {
    const local = localPart(srsForward('alice@remote.test', 'example.com', SECRET, NOW));
    const parts = local.split('=');
    parts[2] = parts[2] === 'aa' ? 'ab' : 'aa';
    assert.equal(srsReverse(parts.join('='), SECRET, NOW), null);
  });

  describe('expiry', () => {
    const issued = (daysAgo: number) => localPart(srsForward('alice@remote.test', 'example.com', SECRET, NOW - daysAgo * DAY));
    for (const days of [0, 1, 7, 20, 21]) {
      it(`accepts an address issued ${days} day(s) ago`, () => assert.equal(srsReverse(issued(days), SECRET, NOW), 'alice@remote.test'));
    }
    for (const days of [22, 30, 200]) {
      it(`refuses an address issued ${days} days ago`, () => assert.equal(srsReverse(issued(days), SECRET, NOW), null));
    }
    it('survives the wrap of the 10-bit day counter', () => {
      const dayStart = (d: number) => d * DAY + 3600;
      const local = localPart(srsForward('alice@remote.test', 'example.com', SECRET, dayStart(1023)));
      assert.equal(srsReverse(local, SECRET, dayStart(1024 + 5)), 'alice@remote.test');
      assert.equal(srsReverse(local, SECRET, dayStart(1024 + 30)), null);
    });
  });

  it('refuses what is not SRS0', () => {
    for (const local of ['alice', 'srs0=', 'SRS0=zzzzzzzz=aa=remote.test=alice', 'SRS1=abcdef12=other.test==x=aa=remote.test=alice', 'SRS0=abcdef12=a=remote.test=alice']) {
      assert.equal(srsReverse(local, SECRET, NOW), null, local);
    }
  });
});
