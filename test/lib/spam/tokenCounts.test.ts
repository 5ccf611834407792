// The Bayes cache's shared token table against a plain Map: the same answers after any mix of
// sets, deletes, dropped scopes and prunes, including ids whose low halves collide (long probe
// runs that wrap around, where a wrong deletion loses an entry behind the hole), the same id in
// two scopes, and ids that are not 16 hex digits.
import assert from 'node:assert/strict';
import { TokenCounts, ScopeTokens } from '../../../lib/spam/tokenCounts';
import { hashToken } from '../../../lib/spam';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The table and a reference Map per scope, changed together. */
function pair() {
  const table = new TokenCounts();
  const ref = new Map<ScopeTokens, Map<string, number>>();
  return {
    table,
    ref,
    scope() {
      const s = new ScopeTokens(table);
      ref.set(s, new Map());
      return s;
    },
    set(s: ScopeTokens, id: string, v: number) {
      s.set(id, v);
      ref.get(s)!.set(id, v);
    },
    delete(s: ScopeTokens, id: string) {
      s.delete(id);
      ref.get(s)!.delete(id);
    },
    drop(s: ScopeTokens) {
      s.drop();
      ref.delete(s);
    },
    check(ids: string[]) {
      let total = 0;
      for (const [s, m] of ref) {
        assert.equal(s.size, m.size);
        total += m.size;
        for (const id of ids) assert.equal(s.get(id), m.get(id), `scope ${s.scope} ${id}`);
      }
      assert.equal(table.size, total);
      let n = 0;
      table.forEachValue(() => n++);
      assert.equal(n, total);
    },
  };
}

describe('spam TokenCounts', () => {
  it('answers like a Map per scope through sets, updates, deletes and dropped scopes', () => {
    const rand = rng(1);
    // with the totals row and an id of another shape, which are kept beside the table
    const ids = [...Array.from({ length: 2000 }, (_, i) => hashToken(`token ${i}`)), '*', 'old-token'];
    const p = pair();
    const scopes = [p.scope(), p.scope(), p.scope()];
    for (let step = 0; step < 60_000; step++) {
      const s = scopes[Math.floor(rand() * scopes.length)];
      const id = ids[Math.floor(rand() * ids.length)];
      const r = rand();
      if (r < 0.0005) {
        // a scope replaced by a fresh load: its entries go, the others stay
        p.drop(s);
        scopes[scopes.indexOf(s)] = p.scope();
      } else if (r < 0.3) p.delete(s, id);
      else p.set(s, id, Math.floor(rand() * 1e6) - 1000); // negative too: bayesCache packs big counts so
      if (step % 5000 === 0) p.check(ids);
    }
    p.check(ids);
  });

  it('keeps every entry of long probe runs, wrapping around the table, when entries in them are deleted', () => {
    // groups of ids sharing their low half, so sharing a home slot; ~70 % of the first table
    const ids: string[] = [];
    for (let g = 0; g < 64; g++) for (let i = 0; i < 11; i++) ids.push(`${(g * 16 + i).toString(16).padStart(8, '0')}${(g * 977).toString(16).padStart(8, '0')}`);
    const rand = rng(7);
    const p = pair();
    const s = p.scope();
    ids.forEach((id, i) => p.set(s, id, i));
    p.check(ids);
    for (let k = 0; k < 300; k++) {
      const id = ids[Math.floor(rand() * ids.length)];
      if (rand() < 0.6) p.delete(s, id);
      else p.set(s, id, k);
      if (k % 50 === 0) p.check(ids);
    }
    p.check(ids);
  });

  it('keeps the same id apart in two scopes, and ids of other shapes as they are', () => {
    const p = pair();
    const a = p.scope();
    const b = p.scope();
    const id = hashToken('shared');
    p.set(a, id, 1);
    p.set(b, id, 2);
    const odd = ['*', 'ABCDEF0123456789', 'abc', 'zzzzzzzzzzzzzzzz', '0123456789abcdef0'];
    odd.forEach((x, i) => p.set(a, x, i + 10));
    p.set(b, '*', 99);
    p.check([id, ...odd, '0123456789abcdef']);
    assert.equal(a.get('0123456789ABCDEF'), undefined);
    p.delete(a, '*');
    assert.equal(a.has('*'), false);
    assert.equal(b.get('*'), 99);
    p.drop(a);
    assert.equal(b.get(id), 2);
    p.check([id, ...odd]);
    assert.throws(() => a.set(id, 1), /not live/);
  });

  it('prunes by value over all scopes and stays usable; dropped scopes are purged', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => hashToken(`w${i}`));
    const p = pair();
    const scopes = Array.from({ length: 50 }, () => p.scope());
    ids.forEach((id, i) => p.set(scopes[i % 50], id, i % 10));
    scopes.forEach((s) => p.set(s, '*', 1));
    const seen: (string | null)[] = [];
    p.table.retain((v, id) => {
      if (id !== null) seen.push(id);
      return id === '*' || v >= 7;
    });
    for (const m of p.ref.values()) for (const [id, v] of m) if (!(id === '*' || v >= 7)) m.delete(id);
    assert.equal(seen.length, 50); // hex ids are not rebuilt as strings
    assert.ok(seen.every((x) => x === '*'));
    p.check(ids);
    // most scopes dropped: their entries are purged (the table does not keep growing)
    for (const s of scopes.slice(0, 45)) p.drop(s);
    const fresh = p.scope();
    ids.forEach((id) => p.set(fresh, id, 50));
    p.check(ids);
    p.table.retain(() => false);
    for (const m of p.ref.values()) m.clear();
    p.check(ids);
    p.set(fresh, ids[0], 1);
    p.check(ids);
  });
});
