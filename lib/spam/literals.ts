// Many literal strings found in one pass (Aho-Corasick, as a full table over byte values):
// the prefilter strings of all rules of a kind are looked for at once in the lower-cased text,
// instead of one indexOf per string per rule.

export class LiteralSet {
  private ids = new Map<string, number>();
  private table?: Uint16Array | Int32Array;
  /** pattern ids that end at each state (including through failure links) */
  private outputs: number[][] = [];

  /** The id of a string (registered once). */
  add(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.ids.size));
    return id;
  }

  get size(): number {
    return this.ids.size;
  }

  private build(): Uint16Array | Int32Array {
    // trie
    const next: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    for (const [s, id] of this.ids) {
      let st = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i) & 0xff;
        let n = next[st].get(c);
        if (n === undefined) {
          n = next.length;
          next.push(new Map());
          out.push([]);
          next[st].set(c, n);
        }
        st = n;
      }
      out[st].push(id);
    }
    // breadth first: failure links folded into a full transition table
    // 16-bit states while they fit: half the memory (the body rules' table has ~16 000 states)
    const table = next.length < 65536 ? new Uint16Array(next.length * 256) : new Int32Array(next.length * 256);
    const fail = new Int32Array(next.length);
    const queue: number[] = [];
    for (let c = 0; c < 256; c++) {
      const n = next[0].get(c);
      if (n !== undefined) {
        table[c] = n;
        fail[n] = 0;
        queue.push(n);
      } else table[c] = 0;
    }
    for (let q = 0; q < queue.length; q++) {
      const st = queue[q];
      if (out[fail[st]].length) out[st] = out[st].concat(out[fail[st]]);
      for (let c = 0; c < 256; c++) {
        const n = next[st].get(c);
        if (n !== undefined) {
          fail[n] = table[fail[st] * 256 + c];
          table[st * 256 + c] = n;
          queue.push(n);
        } else table[st * 256 + c] = table[fail[st] * 256 + c];
      }
    }
    this.outputs = out;
    this.table = table;
    return table;
  }

  /** Which strings occur in `text` (chars above 255 match nothing). */
  scan(text: string): Uint8Array {
    const table = this.table ?? this.build();
    const found = new Uint8Array(this.ids.size);
    const outputs = this.outputs;
    let st = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      st = c > 255 ? 0 : table[st * 256 + c];
      const o = outputs[st];
      if (o.length) for (let k = 0; k < o.length; k++) found[o[k]] = 1;
    }
    return found;
  }
}
