// Many regexes tested in one pass: the prefilter of the text rules that have no required
// literal (prefilter.ts finds none in ~170 stock rules, which then ran on every message, half
// of a message's rule time). RE2's Set compiles them into one automaton that says, in one scan
// of the text, which of them may match; only those run their JavaScript regex.
// The set only ever answers "may match": each pattern is widened to a superset of what the
// JavaScript regex matches (lookarounds dropped, back-references as "anything", \s as wide as
// JavaScript's), patterns it cannot widen safely stay out and always run, and any failure of
// the set (no RE2 on this system, a set that does not compile, out of memory) answers "may match".

interface Re2Set {
  match(text: string | Buffer): number[];
}
interface Re2Module {
  new (source: string, flags?: string): unknown;
  Set: new (patterns: string[], flags?: string) => Re2Set;
}

let re2: Re2Module | null | undefined;

/** The re2 addon (an optional dependency: without it every rule runs its regex, as before). */
function loadRe2(): Re2Module | null {
  if (re2 === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      re2 = require('re2') as Re2Module;
      if (typeof re2.Set !== 'function') re2 = null;
    } catch {
      re2 = null;
    }
  }
  return re2;
}

/** Whether one-pass regex sets are available here. */
export function regexSetsAvailable(): boolean {
  return loadRe2() !== null;
}

// JavaScript's \s also matches \v, U+00A0 (a byte our latin1 text views hold) and the Unicode
// spaces (in decoded text), RE2's does not
const WIDE_SPACE = '\\s\\x0b\\xa0\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

/**
 * An RE2 pattern that matches wherever the JavaScript regex `source` can (more is allowed), or
 * null when it cannot be widened safely. Lookarounds become empty, back-references match
 * anything, named groups become plain ones; with `multiline`, ^ and $ are dropped (JavaScript
 * also breaks lines at \r, RE2 only at \n).
 */
export function supersetSource(source: string, multiline = false): string | null {
  let out = '';
  let i = 0;
  // for each open group: whether it is a dropped lookaround (its contents are skipped)
  const stack: boolean[] = [];
  let dropDepth = 0;
  const emit = (s: string) => {
    if (dropDepth === 0) out += s;
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) return null;
      if (/[1-9]/.test(e)) {
        let j = i + 1;
        while (j < source.length && /\d/.test(source[j])) j++;
        if (dropDepth) {
          i = j;
          continue;
        }
        emit('[\\s\\S]*');
        i = j;
        continue;
      }
      if (e === 'k' && !dropDepth) return null; // named back-reference
      if (e === 's') emit(`[${WIDE_SPACE}]`);
      else if (e === 'S') emit(`[^${WIDE_SPACE}]`);
      else if ((e === 'c' || e === '0') && !dropDepth) return null; // control and NUL escapes: let RE2 not guess
      else emit(c + e);
      i += 2;
      continue;
    }
    if (c === '[') {
      // a class, copied with \s widened; \S inside a class cannot be widened there
      let j = i + 1;
      let cls = '[';
      if (source[j] === '^') {
        cls += '^';
        j++;
      }
      // in JavaScript (unlike Perl) a ] right after [ or [^ closes the class
      if (source[j] === ']') {
        if (cls !== '[^') return null; // [] matches nothing
        emit('[\\s\\S]');
        i = j + 1;
        continue;
      }
      while (j < source.length && source[j] !== ']') {
        if (source[j] === '\\') {
          const e = source[j + 1];
          if (e === undefined) return null;
          // what a dropped lookaround holds need not translate
          if (!dropDepth && (e === 'S' || e === 'c' || e === '0' || /[1-9]/.test(e))) return null;
          cls += e === 's' ? WIDE_SPACE : `\\${e}`;
          j += 2;
        } else if (source[j] === '[') {
          cls += '\\[';
          j++;
        } else cls += source[j++];
      }
      if (j >= source.length) return null;
      emit(cls + ']');
      i = j + 1;
      continue;
    }
    if (c === '(') {
      if (source.startsWith('(?=', i) || source.startsWith('(?!', i) || source.startsWith('(?<=', i) || source.startsWith('(?<!', i)) {
        stack.push(true);
        dropDepth++;
        i += source[i + 2] === '<' ? 4 : 3;
        continue;
      }
      stack.push(false);
      if (source.startsWith('(?:', i)) {
        emit('(?:');
        i += 3;
      } else if (source.startsWith('(?<', i)) {
        const close = source.indexOf('>', i);
        if (close < 0) return null;
        emit('(?:');
        i = close + 1;
      } else if (source[i + 1] === '?') return null; // a group syntax we do not know
      else {
        emit('(?:');
        i++;
      }
      continue;
    }
    if (c === ')') {
      const dropped = stack.pop();
      if (dropped === undefined) return null;
      if (dropped) {
        dropDepth--;
        i++;
        // a quantifier on a dropped lookaround goes with it
        const q = /^(?:[*+?]|\{\d*,?\d*\})\??/.exec(source.slice(i));
        if (q) i += q[0].length;
        continue;
      }
      emit(')');
      i++;
      continue;
    }
    if (!(multiline && (c === '^' || c === '$'))) emit(c);
    i++;
  }
  return stack.length ? null : out;
}

interface Chunk {
  set: Re2Set;
  /** the ids of its patterns, by their index in the set */
  ids: number[];
}

/** Regexes tested together against the same texts (the rules of one text kind with no literal prefilter, our own body rules). */
export class RegexSet {
  private patterns: { source: string; flags: string }[] = [];
  /** the regexes by id, as given (what a pattern stands in for) */
  readonly regexes: RegExp[] = [];
  private chunks?: Chunk[];
  /** ids the set could not take: they always "may match" */
  private always: number[] = [];

  /** Registers a regex; its id, or null when it cannot be part of a set (it then always runs). */
  add(re: RegExp): number | null {
    const lib = loadRe2();
    if (!lib) return null;
    if (re.flags.includes('u') || re.flags.includes('y')) return null;
    const source = supersetSource(re.source, re.flags.includes('m'));
    if (source === null) return null;
    const flags = (re.flags.includes('i') ? 'i' : '') + (re.flags.includes('s') ? 's' : '');
    try {
      new lib(source, flags);
    } catch {
      return null;
    }
    this.patterns.push({ source, flags });
    this.regexes.push(re);
    return this.patterns.length - 1;
  }

  get size(): number {
    return this.patterns.length;
  }

  private build(): Chunk[] {
    const lib = loadRe2()!;
    const chunks: Chunk[] = [];
    const byFlags = new Map<string, number[]>();
    this.patterns.forEach((p, id) => {
      const list = byFlags.get(p.flags) ?? [];
      list.push(id);
      byFlags.set(p.flags, list);
    });
    // a set too big for RE2's memory budget is split in halves until each part compiles
    const compile = (flags: string, ids: number[]): void => {
      if (!ids.length) return;
      try {
        chunks.push({ set: new lib.Set(ids.map((id) => this.patterns[id].source), flags), ids });
      } catch {
        if (ids.length === 1) this.always.push(ids[0]);
        else {
          const half = ids.length >> 1;
          compile(flags, ids.slice(0, half));
          compile(flags, ids.slice(half));
        }
      }
    };
    for (const [flags, ids] of byFlags) compile(flags, ids);
    return chunks;
  }

  /** Which patterns may match somewhere in the texts (1 = may match: run its regex). */
  scan(texts: string | string[]): Uint8Array {
    const chunks = (this.chunks ??= this.build());
    const out = new Uint8Array(this.patterns.length);
    for (const id of this.always) out[id] = 1;
    const list = typeof texts === 'string' ? [texts] : texts;
    for (const text of list) {
      // once to UTF-8 for all the chunks (a string would be converted by each)
      const bytes = Buffer.from(text, 'utf8');
      for (const c of chunks) {
        try {
          for (const k of c.set.match(bytes)) out[c.ids[k]] = 1;
        } catch {
          for (const id of c.ids) out[id] = 1; // out of memory on this text: all may match
        }
      }
    }
    return out;
  }
}
