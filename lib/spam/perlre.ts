// Perl regular expressions (as SpamAssassin rule files write them) to JavaScript RegExp.
// SpamAssassin matches bytes: its rules spell UTF-8 as byte escapes (\xc3\xa9). We do the same:
// the texts rules run on are UTF-8 bytes held one byte per char (latin1 strings), so the
// translation stays byte for byte and never needs the `u` flag (whose strict escapes Perl
// rules would break).
// What is translated: the flags i m s x (x: white space and comments dropped), \A \z \Z,
// (?i) and friends at the start, possessive quantifiers and atomic groups (as plain greedy
// ones: same matches except in contrived cases), \Q..\E, POSIX classes, \h \v \R \N \e,
// \x{...} up to FF, (?#...) comments, (?P<n>...) names. What is refused (the rule is skipped
// and counted): \G \K, recursion, conditionals, branch reset, code blocks, inline modifiers
// in the middle, \p{...} Unicode properties, wide \x{...}.

export type Translated = { re: RegExp; source: string; flags: string } | { error: string };

const POSIX: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: 'A-Za-z0-9_',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
  ascii: '\\x00-\\x7f',
};

/** Perl escapes with a fixed JavaScript spelling: [inside a class (null: refused), outside]. */
const ESCAPES: Record<string, [string | null, string]> = {
  z: ['z', '(?![\\s\\S])'],
  Z: ['Z', '(?=\\n?(?![\\s\\S]))'],
  A: ['A', '(?<![\\s\\S])'],
  h: [' \\t', '[ \\t]'],
  H: [null, '[^ \\t]'],
  v: ['\\n\\x0b\\f\\r', '[\\n\\x0b\\f\\r]'],
  V: [null, '[^\\n\\x0b\\f\\r]'],
  R: [null, '(?:\\r\\n|[\\n\\x0b\\f\\r])'],
  e: ['\\x1b', '\\x1b'],
  a: ['\\x07', '\\x07'],
};

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** The start of a character class at src[i] ('[', '^', a leading literal ']'), and its last index. */
function classOpening(src: string, i: number): [string, number] {
  let text = '[';
  if (src[i + 1] === '^') text += src[++i];
  if (src[i + 1] === ']') {
    text += '\\]';
    i++;
  }
  return [text, i];
}

/** Drops x-mode white space and comments (outside character classes and escapes). */
function stripExtended(src: string): string {
  // escapes, whole classes (a leading ] is literal), comments, white space, anything else
  return src.replace(/\\[\s\S]|\[\^?\]?(?:\\[\s\S]|[^\]\\])*\]|#[^\n]*|\s+|[^\\[#\s]+/g, (m) => (m[0] === '#' || /^\s/.test(m) ? '' : m));
}

function hex2(n: number): string {
  return `\\x${n.toString(16).padStart(2, '0')}`;
}

/**
 * Translates a Perl pattern and its flags. `flags` may hold Perl's i m s x g o (g and o mean
 * nothing here); `extraFlags` are JavaScript flags to add (e.g. 'g' for counting matches).
 */
export function translatePerlRegex(pattern: string, flags = '', extraFlags = ''): Translated {
  const t = translate(pattern, flags, extraFlags, false);
  // (?i:...) or (?-i:...) inside: without the i flag, with letters spelled in both cases where
  // the pattern is case-insensitive -- the same matches
  return 'error' in t && t.error === MID_MODIFIERS ? translate(pattern, flags, extraFlags, true) : t;
}

const MID_MODIFIERS = 'inline modifiers inside the pattern';

function isLetter(c: string | undefined): c is string {
  return c !== undefined && /^[A-Za-z]$/.test(c);
}

function otherCase(c: string): string {
  return c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
}

function translate(pattern: string, flags: string, extraFlags: string, expandCase: boolean): Translated {
  const bad = /[^imsxgoa]/.exec(flags);
  if (bad) return { error: `unsupported flag ${bad[0]}` };
  let src = pattern;
  const f = new Set(flags.replace(/[gox]/g, '').split('').filter((c) => c !== 'a'));
  // leading inline modifiers: (?i) (?s) (?im) ... (several may follow each other)
  for (;;) {
    const m = /^\(\?([imsx]+)\)/.exec(src);
    if (!m) break;
    for (const c of m[1]) f.add(c);
    src = src.slice(m[0].length);
  }
  if (flags.includes('x') || f.has('x')) src = stripExtended(src);
  f.delete('x');
  // expandCase: whether each open group is case-insensitive (the last entry is the current one)
  const caseStack = [f.has('i')];
  if (expandCase) f.delete('i');
  const folding = () => expandCase && caseStack[caseStack.length - 1];
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) return { error: 'trailing backslash' };
      i++;
      const simple = ESCAPES[n];
      if (simple) {
        if (inClass && simple[0] === null) return { error: `\\${n} in a class` };
        out += inClass ? simple[0] : simple[1];
        continue;
      }
      switch (n) {
        case 'N':
          if (src[i + 1] === '{') return { error: '\\N{...}' };
          out += inClass ? 'N' : '[^\\n]';
          continue;
        case 'Q': {
          const end = src.indexOf('\\E', i + 1);
          const lit = src.slice(i + 1, end < 0 ? undefined : end);
          out += escapeLiteral(lit);
          i = end < 0 ? src.length : end + 1;
          continue;
        }
        case 'E':
          continue;
        case 'x': {
          if (src[i + 1] === '{') {
            const close = src.indexOf('}', i + 2);
            if (close < 0) return { error: 'bad \\x{}' };
            const v = parseInt(src.slice(i + 2, close), 16);
            if (!(v >= 0) || v > 0xff) return { error: 'wide character \\x{...}' };
            out += hex2(v);
            i = close;
            continue;
          }
          // Perl takes one or two hex digits; JavaScript wants exactly two
          const m = /^[0-9a-fA-F]{1,2}/.exec(src.slice(i + 1, i + 3));
          out += hex2(m ? parseInt(m[0], 16) : 0);
          i += m ? m[0].length : 0;
          continue;
        }
        case 'o': {
          if (src[i + 1] !== '{') return { error: '\\o' };
          const close = src.indexOf('}', i + 2);
          const v = parseInt(src.slice(i + 2, close), 8);
          if (close < 0 || !(v >= 0) || v > 0xff) return { error: 'bad \\o{}' };
          out += hex2(v);
          i = close;
          continue;
        }
        case 'G':
        case 'K':
        case 'X':
        case 'C':
        case 'g':
        case 'p':
        case 'P':
        case 'l':
        case 'u':
        case 'L':
        case 'U':
          return { error: `\\${n} has no JavaScript equivalent` };
        default:
          if (n === 'b' && src[i + 1] === '{') return { error: '\\b{...}' };
          if (n === 'k' && (src[i + 1] === '{' || src[i + 1] === '<')) {
            const close = src.indexOf(src[i + 1] === '{' ? '}' : '>', i + 2);
            if (close < 0) return { error: 'bad \\k' };
            out += `\\k<${src.slice(i + 2, close)}>`;
            i = close;
            continue;
          }
          out += `\\${n}`;
          continue;
      }
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (m) {
          if (m[1]) return { error: 'negated POSIX class' };
          const cls = POSIX[m[2]];
          if (!cls) return { error: `POSIX class ${m[2]}` };
          out += cls;
          i += m[0].length - 1;
          continue;
        }
      }
      if (c === '[') {
        out += '\\[';
        continue;
      }
      if (c === ']') inClass = false;
      if (folding() && isLetter(c)) {
        const d = src[i + 2];
        if (src[i + 1] === '-' && isLetter(d) && (c === c.toLowerCase()) === (d === d.toLowerCase())) {
          out += `${c}-${d}${otherCase(c)}-${otherCase(d)}`;
          i += 2;
        } else out += c + otherCase(c);
        continue;
      }
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      const [text, last] = classOpening(src, i);
      out += text;
      i = last;
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2, i + 12);
      if (rest[0] === '#') {
        const close = src.indexOf(')', i);
        i = close < 0 ? src.length : close;
        continue;
      }
      if (rest[0] === '>') {
        out += '(?:'; // atomic group: as a plain group
        caseStack.push(caseStack[caseStack.length - 1]);
        i += 2;
        continue;
      }
      if (rest.startsWith('P<')) {
        const close = src.indexOf('>', i);
        if (close < 0) return { error: 'bad (?P<name>' };
        out += `(?<${src.slice(i + 4, close)}>`;
        caseStack.push(caseStack[caseStack.length - 1]);
        i = close;
        continue;
      }
      if (rest.startsWith('P=') || rest.startsWith('P>') || rest[0] === '|' || rest[0] === '(' || rest[0] === '{' || rest[0] === '?' || rest[0] === 'R' || rest[0] === '&' || /^[+-]?\d/.test(rest)) {
        return { error: `(?${rest[0]} construct` };
      }
      const mod = /^\^?([a-z]*)(?:-([a-z]*))?([:)])/.exec(rest);
      if (mod && (mod[1] || mod[2] !== undefined || rest[0] === '^')) {
        // (?i:...) and friends: fine when they change nothing, refused otherwise
        const on = mod[1].replace(/[x]/g, '');
        const off = (mod[2] ?? '').replace(/[x]/g, '');
        const onlyCase = [...on].every((m) => m === 'i' || f.has(m)) && [...off].every((m) => m === 'i');
        if (expandCase && onlyCase && rest[0] !== '^') {
          const state = on.includes('i') ? true : off.includes('i') ? false : caseStack[caseStack.length - 1];
          if (mod[3] === ')') caseStack[caseStack.length - 1] = state; // to the end of the enclosing group
          else {
            caseStack.push(state);
            out += '(?:';
          }
          i += 1 + mod[0].length;
          continue;
        }
        if ([...on].every((m) => f.has(m)) && !mod[2]) {
          if (mod[3] === ')') i += 1 + mod[0].length;
          else {
            caseStack.push(caseStack[caseStack.length - 1]);
            out += '(?:';
            i += 1 + mod[0].length;
          }
          continue;
        }
        return { error: MID_MODIFIERS };
      }
    }
    if ((c === '+' || c === '?' || c === '*' || c === '}') && src[i + 1] === '+' && !(c === '?' && out.endsWith('('))) {
      // possessive quantifier: as a greedy one
      out += c;
      i++;
      continue;
    }
    if (c === '{' && /^\{,\d+\}/.test(src.slice(i))) {
      out += '{0,'; // Perl 5.34 {,n}
      i++;
      continue;
    }
    if (c === '(') {
      caseStack.push(caseStack[caseStack.length - 1]);
      const name = /^\(\?<([A-Za-z_]\w*)>/.exec(src.slice(i));
      if (name) {
        out += name[0]; // a group name is not pattern text
        i += name[0].length - 1;
        continue;
      }
    } else if (c === ')' && caseStack.length > 1) caseStack.pop();
    else if (folding() && isLetter(c)) {
      out += `[${c}${otherCase(c)}]`;
      continue;
    }
    out += c;
  }
  const jsFlags = [...new Set([...f, ...extraFlags])].sort().join('');
  try {
    return { re: new RegExp(out, jsFlags), source: out, flags: jsFlags };
  } catch (err) {
    return { error: `JavaScript refuses it: ${(err as Error).message.replace(/^Invalid regular expression: /, '').slice(0, 120)}` };
  }
}

/**
 * Splits a Perl match operator as written in a rule file: /re/flags, m{re}flags, m!re!flags...
 * Returns the pattern and flags, or undefined when it is not one.
 */
export function splitPerlMatch(text: string): { pattern: string; flags: string } | undefined {
  let s = text.trim();
  let open = s[0];
  if (open === 'm' && s.length > 1 && !/[A-Za-z0-9\s]/.test(s[1])) {
    s = s.slice(1);
    open = s[0];
  } else if (open !== '/') return undefined;
  const close = ({ '{': '}', '(': ')', '[': ']', '<': '>' } as Record<string, string>)[open] ?? open;
  const end = s.lastIndexOf(close);
  if (end <= 0) return undefined;
  const flags = s.slice(end + 1).replace(/\s+$/, '');
  if (!/^[a-z]*$/.test(flags)) return undefined;
  return { pattern: s.slice(1, end), flags };
}
