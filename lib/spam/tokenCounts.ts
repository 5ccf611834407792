// The Bayes cache's token counts (bayesCache.ts), every scope in one open-addressing table in
// typed arrays instead of a Map<string, number> per scope. A token id is 64 bits written as 16
// hex digits (tokens.ts hashToken): it is kept as two 32-bit halves beside its scope's number.
// 20 bytes a slot, about 35 per token at the usual load, against 60-90 in a Map where the
// 16-character key alone takes 32; the arrays live outside the JavaScript heap, so a full
// collection does not walk half a million strings; and one table for all scopes, because an ISP
// has thousands of domains whose scopes hold a few dozen tokens each (a table per scope cost
// more than the Maps, in malloc's overhead). The totals row '*' of every scope is one Map by
// scope number (a Map per scope cost ~180 bytes, times one scope per domain); ids of any other
// shape (rows from an older tokenizer) go to a small Map per scope beside it.

import { TOTAL_TOKEN } from './bayes';

const EMPTY = NaN; // no packed count is NaN (bayesCache packs integers)
const MIN_SLOTS = 1024;
const MAX_LOAD = 0.75;
/** the load a rebuilt table starts at, at most: grown from MAX_LOAD it doubles (0.375); after a prune to 90 %, 0.3-0.6, not half that */
const REBUILT_LOAD = 0.6;
/** a replaced scope's entries stay until this share of the table is dead, then go in one pass */
const MAX_DEAD = 0.2;

/** The two halves of a 16-hex-digit id, or false when `id` is not one (into `out`: no allocation). */
function parseId(id: string, out: Int32Array): boolean {
  if (id.length !== 16) return false;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 16; i++) {
    const c = id.charCodeAt(i);
    // lowercase only, as hashToken writes it: anything else stays a string key (an exact round trip)
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return false;
    if (i < 8) hi = (hi << 4) | d;
    else lo = (lo << 4) | d;
  }
  out[0] = hi;
  out[1] = lo;
  return true;
}

const home = (scope: number, lo: number, mask: number) => (lo ^ Math.imul(scope, 0x9e3779b1)) & mask;

export class TokenCounts {
  /** per slot: scope, hi, lo */
  private keys = new Int32Array(0);
  private values = new Float64Array(0);
  /** slots taken, dead scopes' entries included */
  private used = 0;
  /** the totals row of each scope that has one */
  private totals = new Map<number, number>();
  /** ids of other shapes, per scope */
  private others = new Map<number, Map<string, number>>();
  /** entries per live scope: in the table, totals rows and other ids */
  private counts = new Map<number, number>();
  private total = 0;
  /** scopes dropped whose entries are still in the table */
  private dead = new Set<number>();
  private deadEntries = 0;
  private nextScope = 1;
  private id = new Int32Array(2);

  /** A new, empty scope's number. */
  newScope(): number {
    this.counts.set(this.nextScope, 0);
    return this.nextScope++;
  }

  /** Entries held, all live scopes. */
  get size(): number {
    return this.total;
  }

  sizeOf(scope: number): number {
    return this.counts.get(scope) ?? 0;
  }

  get(scope: number, id: string): number | undefined {
    if (id === TOTAL_TOKEN) return this.totals.get(scope);
    if (!parseId(id, this.id)) return this.others.get(scope)?.get(id);
    const i = this.find(scope, this.id[0], this.id[1]);
    return i < 0 ? undefined : this.values[i];
  }

  has(scope: number, id: string): boolean {
    return this.get(scope, id) !== undefined;
  }

  set(scope: number, id: string, value: number): void {
    if (!this.counts.has(scope)) throw new Error(`token scope ${scope} is not live`);
    if (id === TOTAL_TOKEN) {
      if (!this.totals.has(scope)) this.counted(scope, 1);
      this.totals.set(scope, value);
      return;
    }
    if (!parseId(id, this.id)) {
      let m = this.others.get(scope);
      if (!m) this.others.set(scope, (m = new Map()));
      if (m.has(id)) m.set(id, value);
      else {
        // a copy: an id split out of a change text would keep all of that text alive
        m.set(Buffer.from(id, 'utf8').toString('utf8'), value);
        this.counted(scope, 1);
      }
      return;
    }
    const [hi, lo] = this.id;
    const at = this.find(scope, hi, lo);
    if (at >= 0) {
      this.values[at] = value;
      return;
    }
    if (this.used + 1 > this.values.length * MAX_LOAD) this.rebuild(this.used - this.deadEntries + 1);
    this.insertNew(scope, hi, lo, value);
    this.counted(scope, 1);
  }

  delete(scope: number, id: string): void {
    if (id === TOTAL_TOKEN) {
      if (this.totals.delete(scope)) this.counted(scope, -1);
      return;
    }
    if (!parseId(id, this.id)) {
      if (this.others.get(scope)?.delete(id)) this.counted(scope, -1);
      return;
    }
    const at = this.find(scope, this.id[0], this.id[1]);
    if (at < 0) return;
    this.removeAt(at);
    this.counted(scope, -1);
  }

  /** Forgets a scope (replaced by a fresh load, idle, or a load that failed). */
  dropScope(scope: number): void {
    const n = this.counts.get(scope);
    if (n === undefined) return;
    this.counts.delete(scope);
    this.total -= n;
    const inTable = n - (this.others.get(scope)?.size ?? 0) - (this.totals.has(scope) ? 1 : 0);
    this.others.delete(scope);
    this.totals.delete(scope);
    if (inTable > 0) {
      this.dead.add(scope);
      this.deadEntries += inTable;
    }
    if (this.deadEntries > this.values.length * MAX_DEAD) this.rebuild(0);
  }

  clear(): void {
    this.keys = new Int32Array(0);
    this.values = new Float64Array(0);
    this.used = 0;
    this.totals.clear();
    this.others.clear();
    this.counts.clear();
    this.total = 0;
    this.dead.clear();
    this.deadEntries = 0;
  }

  /**
   * Keeps only the entries `keep` accepts (live scopes); the table is rebuilt to fit. `id` is
   * given for the ids kept as strings only: building 16 hex digits per token would cost more
   * than the pruning itself, so a decision by value must not need it.
   */
  retain(keep: (value: number, id: string | null) => boolean): void {
    for (const [scope, v] of this.totals) {
      if (keep(v, TOTAL_TOKEN)) continue;
      this.totals.delete(scope);
      this.counted(scope, -1);
    }
    for (const [scope, m] of this.others) {
      for (const [id, v] of m) {
        if (keep(v, id)) continue;
        m.delete(id);
        this.counted(scope, -1);
      }
    }
    this.rebuild(0, keep);
  }

  /** Every live value, with its id when it is kept as a string (see retain). */
  forEachValue(each: (value: number, id: string | null) => void): void {
    for (const v of this.totals.values()) each(v, TOTAL_TOKEN);
    for (const m of this.others.values()) for (const [id, v] of m) each(v, id);
    for (let i = 0; i < this.values.length; i++) if (!Number.isNaN(this.values[i]) && !this.dead.has(this.keys[3 * i])) each(this.values[i], null);
  }

  private counted(scope: number, by: number): void {
    const n = this.counts.get(scope);
    if (n === undefined) return;
    this.counts.set(scope, n + by);
    this.total += by;
  }

  private find(scope: number, hi: number, lo: number): number {
    if (this.used === 0) return -1;
    const k = this.keys;
    const mask = this.values.length - 1;
    for (let i = home(scope, lo, mask); !Number.isNaN(this.values[i]); i = (i + 1) & mask) {
      if (k[3 * i + 2] === lo && k[3 * i + 1] === hi && k[3 * i] === scope) return i;
    }
    return -1;
  }

  /** Linear probing's deletion: later entries of the same run move back, so no lookup stops early. */
  private removeAt(at: number): void {
    const k = this.keys;
    const mask = this.values.length - 1;
    let hole = at;
    for (let j = (at + 1) & mask; !Number.isNaN(this.values[j]); j = (j + 1) & mask) {
      const h = home(k[3 * j], k[3 * j + 2], mask);
      // the entry at j may fill the hole unless its home lies in the cyclic range (hole, j]
      if (hole <= j ? hole < h && h <= j : hole < h || h <= j) continue;
      k.copyWithin(3 * hole, 3 * j, 3 * j + 3);
      this.values[hole] = this.values[j];
      hole = j;
    }
    this.values[hole] = EMPTY;
    this.used--;
  }

  /** Copies the live entries `keep` accepts into a new table with room for `atLeast` entries (at half load). */
  private rebuild(atLeast: number, keep?: (value: number, id: null) => boolean): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const survives = new Uint8Array(oldValues.length);
    let kept = 0;
    for (let i = 0; i < oldValues.length; i++) {
      const v = oldValues[i];
      if (Number.isNaN(v) || this.dead.has(oldKeys[3 * i])) continue;
      if (keep && !keep(v, null)) {
        this.counted(oldKeys[3 * i], -1);
        continue;
      }
      survives[i] = 1;
      kept++;
    }
    let size = MIN_SLOTS;
    while (Math.max(kept, atLeast) > size * REBUILT_LOAD) size *= 2;
    this.keys = new Int32Array(3 * size);
    this.values = new Float64Array(size).fill(EMPTY);
    this.used = 0;
    this.dead.clear();
    this.deadEntries = 0;
    for (let i = 0; i < oldValues.length; i++) if (survives[i]) this.insertNew(oldKeys[3 * i], oldKeys[3 * i + 1], oldKeys[3 * i + 2], oldValues[i]);
  }

  /** Inserts a key known to be absent, in a table with room for it. */
  private insertNew(scope: number, hi: number, lo: number, value: number): void {
    const mask = this.values.length - 1;
    let i = home(scope, lo, mask);
    while (!Number.isNaN(this.values[i])) i = (i + 1) & mask;
    this.keys[3 * i] = scope;
    this.keys[3 * i + 1] = hi;
    this.keys[3 * i + 2] = lo;
    this.values[i] = value;
    this.used++;
  }
}


/** One scope's counts in the shared table. */
export class ScopeTokens {
  readonly scope: number;

  constructor(private table: TokenCounts) {
    this.scope = table.newScope();
  }

  get size(): number {
    return this.table.sizeOf(this.scope);
  }

  get(id: string): number | undefined {
    return this.table.get(this.scope, id);
  }

  has(id: string): boolean {
    return this.table.has(this.scope, id);
  }

  set(id: string, value: number): void {
    this.table.set(this.scope, id, value);
  }

  delete(id: string): void {
    this.table.delete(this.scope, id);
  }

  /** Frees its entries (the scope was replaced or dropped). */
  drop(): void {
    this.table.dropScope(this.scope);
  }
}
