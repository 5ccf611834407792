// Literal prefilters for rule regexes (the idea of RE2's prefilter and SpamAssassin's
// Rule2XSBody): from a JavaScript pattern, a set of lower-case strings at least one of which
// any match must contain. A rule whose strings are all absent from the lower-cased text cannot
// match, so its regex is not run: most body rules are skipped on most messages that way.
// The analysis is conservative: whatever it does not understand imposes no requirement.

interface Info {
  /** every string the node can match, when few (lower case) */
  exact: Set<string> | null;
  /** strings one of which a match contains (null: no requirement known) */
  any: Set<string> | null;
}

const MAX_EXACT = 16;
const MAX_ANY = 64;
const NONE: Info = { exact: null, any: null };
const EMPTY: Info = { exact: new Set(['']), any: null };

function anyOf(i: Info): Set<string> | null {
  if (i.exact) return [...i.exact].some((s) => s === '') ? null : i.exact;
  return i.any;
}

/** how selective a requirement is: its shortest string's length (0 = none) */
function strength(s: Set<string> | null): number {
  if (!s || !s.size) return 0;
  let min = Infinity;
  for (const x of s) min = Math.min(min, x.length);
  return min;
}

function concat(a: Info, b: Info): Info {
  if (a.exact && b.exact && a.exact.size * b.exact.size <= MAX_EXACT) {
    const out = new Set<string>();
    for (const x of a.exact) for (const y of b.exact) out.add(x + y);
    return { exact: out, any: null };
  }
  const sa = anyOf(a);
  const sb = anyOf(b);
  return { exact: null, any: strength(sa) >= strength(sb) ? sa : sb };
}

function alternate(list: Info[]): Info {
  if (list.every((i) => i.exact)) {
    const out = new Set<string>();
    for (const i of list) for (const s of i.exact!) out.add(s);
    if (out.size <= MAX_EXACT) return { exact: out, any: null };
  }
  const out = new Set<string>();
  for (const i of list) {
    const s = anyOf(i);
    if (!s) return NONE;
    for (const x of s) out.add(x);
  }
  return out.size <= MAX_ANY ? { exact: null, any: out } : NONE;
}

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  parseAlt(): Info {
    const branches: Info[] = [this.parseSeq()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      branches.push(this.parseSeq());
    }
    return branches.length === 1 ? branches[0] : alternate(branches);
  }

  parseSeq(): Info {
    // a run of exact pieces grows by cross product; when it cannot, the strongest requirement
    // seen so far is kept and a new run starts
    let run: Info = EMPTY;
    let best: Set<string> | null = null;
    let whole = true; // the sequence is still one exact run
    const settle = (s: Set<string> | null) => {
      if (strength(s) > strength(best)) best = s;
    };
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const atom = this.parseQuantifier(this.parseAtom());
      if (atom.exact && run.exact && atom.exact.size * run.exact.size <= MAX_EXACT) {
        run = concat(run, atom);
        continue;
      }
      whole = false;
      settle(anyOf(run));
      if (atom.exact) run = atom;
      else {
        settle(atom.any);
        run = EMPTY;
      }
    }
    if (whole) return run;
    settle(anyOf(run));
    return { exact: null, any: best };
  }

  parseQuantifier(atom: Info): Info {
    const c = this.src[this.pos];
    let min = -1;
    if (c === '*' || c === '?') {
      min = 0;
      this.pos++;
    } else if (c === '+') {
      min = 1;
      this.pos++;
    } else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(this.src.slice(this.pos));
      if (!m) return atom;
      min = m[1] === '' ? 0 : Number(m[1]);
      this.pos += m[0].length;
      if (min === 1 && !m[2]) {
        if (this.src[this.pos] === '?') this.pos++;
        return atom; // {1}
      }
    } else return atom;
    if (this.src[this.pos] === '?') this.pos++; // lazy
    if (min === 0) {
      if (c === '?' && atom.exact && atom.exact.size < MAX_EXACT) return { exact: new Set([...atom.exact, '']), any: null };
      return EMPTY_OR_NONE;
    }
    return { exact: null, any: anyOf(atom) };
  }

  parseClass(): Info {
    // at '['
    this.pos++;
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const chars = new Set<string>();
    let wide = false;
    let first = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== ']' || first)) {
      first = false;
      let c = this.src[this.pos++];
      if (c === '\\') {
        const e = this.src[this.pos++];
        const lit = escapeChar(e, this);
        if (lit === undefined) {
          wide = true;
          continue;
        }
        c = lit;
      }
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        let d = this.src[this.pos++];
        if (d === '\\') d = escapeChar(this.src[this.pos++], this) ?? '\uffff';
        const span = d.charCodeAt(0) - c.charCodeAt(0);
        if (span > 10 || span < 0) wide = true;
        else for (let k = 0; k <= span; k++) chars.add(String.fromCharCode(c.charCodeAt(0) + k).toLowerCase());
        continue;
      }
      chars.add(c.toLowerCase());
    }
    this.pos++; // ']'
    if (negated || wide || chars.size > 10 || chars.size === 0) return NONE;
    return { exact: chars, any: null };
  }

  parseAtom(): Info {
    const c = this.src[this.pos];
    if (c === '(') {
      this.pos++;
      let look = false;
      if (this.src[this.pos] === '?') {
        const m = /^\?(:|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(this.src.slice(this.pos));
        if (!m) throw new Error('group');
        look = m[1] === '=' || m[1] === '!' || m[1] === '<=' || m[1] === '<!';
        this.pos += m[0].length;
      }
      const inner = this.parseAlt();
      if (this.src[this.pos] !== ')') throw new Error('unbalanced');
      this.pos++;
      return look ? EMPTY : inner;
    }
    if (c === '[') return this.parseClass();
    if (c === '^' || c === '$') {
      this.pos++;
      return EMPTY;
    }
    if (c === '.') {
      this.pos++;
      return NONE;
    }
    if (c === '\\') {
      this.pos++;
      const e = this.src[this.pos++];
      if (e === 'b' || e === 'B') return EMPTY;
      if (/[1-9]/.test(e)) {
        while (/[0-9]/.test(this.src[this.pos] ?? '')) this.pos++;
        return NONE;
      }
      if (e === 'k') {
        const close = this.src.indexOf('>', this.pos);
        this.pos = close + 1;
        return NONE;
      }
      const lit = escapeChar(e, this);
      return lit === undefined ? NONE : { exact: new Set([lit.toLowerCase()]), any: null };
    }
    this.pos++;
    return { exact: new Set([c.toLowerCase()]), any: null };
  }
}

const EMPTY_OR_NONE: Info = { exact: null, any: null };

/** The character an escape stands for, or undefined for classes (\d \w \s ...). */
function escapeChar(e: string, p: Parser): string | undefined {
  switch (e) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S':
      return undefined;
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'f':
      return '\f';
    case 'v':
      return '\v';
    case '0':
      return '\0';
    case 'x': {
      const h = p.src.slice(p.pos, p.pos + 2);
      p.pos += 2;
      return String.fromCharCode(parseInt(h, 16));
    }
    case 'u': {
      const h = p.src.slice(p.pos, p.pos + 4);
      p.pos += 4;
      return String.fromCharCode(parseInt(h, 16));
    }
    case 'c':
      p.pos++;
      return undefined;
    default:
      return e;
  }
}

/**
 * Lower-case strings one of which must occur in any text the pattern matches, or undefined
 * when no useful requirement is found (the regex must then always run).
 */
export function requiredStrings(source: string, minLength = 3): string[] | undefined {
  let info: Info;
  try {
    const p = new Parser(source);
    info = p.parseAlt();
    if (p.pos !== source.length) return undefined;
  } catch {
    return undefined;
  }
  const s = anyOf(info);
  if (!s || strength(s) < minLength) return undefined;
  return [...s];
}
