// HTML to text for scoring: one linear pass, no regex backtracking, bounded output.
// Inline tags vanish without a space (so "V<b></b>iagra" reads "Viagra"), block tags
// become line breaks, comments/script/style disappear; links and images are collected.

export interface HtmlLink {
  href: string;
  text: string;
}

export interface HtmlInfo {
  text: string;
  links: HtmlLink[];
  images: string[]; // img src values
  tags: Set<string>; // tag names seen (lower case)
  tagCount: number;
  /** tags that hide their text: font size 0, CSS font-size 0-1, display:none, visibility:hidden */
  hidden: number;
}

const BLOCK = new Set(['br', 'p', 'div', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'blockquote', 'pre', 'title', 'center', 'dd', 'dt', 'form', 'section', 'article', 'header', 'footer']);
const CELL = new Set(['td', 'th', 'option', 'input', 'button']);
const SKIP_CONTENT = new Set(['script', 'style', 'noscript', 'template', 'xml']);

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  euro: '€', pound: '£', yen: '¥', cent: '¢', mdash: '—', ndash: '–', hellip: '…', laquo: '«', raquo: '»',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•', middot: '·', times: '×', deg: '°',
  eacute: 'é', egrave: 'è', ecirc: 'ê', agrave: 'à', acirc: 'â', ccedil: 'ç', ocirc: 'ô', ucirc: 'û',
  ugrave: 'ù', icirc: 'î', iuml: 'ï', euml: 'ë', auml: 'ä', ouml: 'ö', uuml: 'ü', szlig: 'ß', aacute: 'á',
  iacute: 'í', oacute: 'ó', uacute: 'ú', ntilde: 'ñ', shy: '',
};

/** Decodes HTML character references (numeric and the common named ones). */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});?/g, (m, ent: string) => {
    if (ent[0] === '#') {
      const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      if (!code || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return ' ';
      return String.fromCodePoint(code);
    }
    const v = NAMED[ent.toLowerCase()];
    return v === undefined ? m : v;
  });
}

function attr(tagBody: string, name: string): string | undefined {
  // tagBody is bounded (one tag), the pattern is linear
  const re = new RegExp(`(?:^|[\\s"'/])${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i');
  const m = re.exec(tagBody);
  if (!m) return undefined;
  return decodeEntities((m[1] ?? m[2] ?? m[3] ?? '').trim());
}

export function htmlToText(html: string, maxOut = 256 * 1024): HtmlInfo {
  const out: string[] = [];
  let outLen = 0;
  const links: HtmlLink[] = [];
  const images: string[] = [];
  const tags = new Set<string>();
  let tagCount = 0;
  let hidden = 0;
  let anchor: { href: string; start: number } | null = null;
  const n = html.length;
  let i = 0;
  const push = (s: string) => {
    if (outLen >= maxOut) return;
    out.push(s);
    outLen += s.length;
  };
  while (i < n && outLen < maxOut) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) push(decodeEntities(html.slice(i, Math.min(textEnd, i + (maxOut - outLen) * 2 + 16))));
    if (lt < 0) break;
    i = lt;
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    const c = html.charCodeAt(i + 1);
    const isAlpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (c === 33 /* ! */ || c === 63 /* ? */) {
      const end = html.indexOf('>', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (!isAlpha && c !== 47 /* / */) {
      push('<');
      i++;
      continue;
    }
    // find the end of the tag, honouring quotes, bounded to 8 KB per tag
    let j = i + 1;
    let quote = 0;
    const limit = Math.min(n, i + 8192);
    for (; j < limit; j++) {
      const ch = html.charCodeAt(j);
      if (quote) {
        if (ch === quote) quote = 0;
      } else if (ch === 34 || ch === 39) {
        if (html.charCodeAt(j - 1) === 61 || html.charCodeAt(j - 1) === 32) quote = ch; // only after = or space
      } else if (ch === 62 /* > */) break;
    }
    const body = html.slice(i + 1, j);
    i = j + 1;
    const closing = body[0] === '/';
    const m = /^\/?([a-zA-Z][a-zA-Z0-9:-]{0,20})/.exec(body);
    if (!m) continue;
    const name = m[1].toLowerCase();
    tagCount++;
    tags.add(name);
    if (!closing && SKIP_CONTENT.has(name)) {
      const end = indexOfCI(html, `</${name}`, i);
      i = end < 0 ? n : end;
      continue;
    }
    if (!closing && (name === 'font' || name === 'span' || name === 'div' || name === 'p' || name === 'td')) {
      if (/\bsize\s*=\s*["']?0\b|display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](px|pt)?\b/i.test(body)) hidden++;
    }
    if (BLOCK.has(name)) push('\n');
    else if (CELL.has(name)) push(' ');
    if (name === 'a') {
      if (closing) {
        if (anchor) {
          links.push({ href: anchor.href, text: out.slice(anchor.start).join('').trim().slice(0, 300) });
          anchor = null;
        }
      } else {
        const href = attr(body, 'href');
        if (href) {
          if (anchor) links.push({ href: anchor.href, text: out.slice(anchor.start).join('').trim().slice(0, 300) });
          anchor = { href, start: out.length };
        }
      }
    } else if (!closing && name === 'img') {
      const src = attr(body, 'src');
      if (src) images.push(src);
      const alt = attr(body, 'alt');
      if (alt) push(` ${alt} `);
    } else if (!closing && (name === 'area' || name === 'form' || name === 'iframe' || name === 'frame')) {
      const href = attr(body, name === 'form' ? 'action' : name === 'area' ? 'href' : 'src');
      if (href) links.push({ href, text: '' });
    }
    if (links.length > 500) anchor = null;
  }
  if (anchor) links.push({ href: anchor.href, text: out.slice(anchor.start).join('').trim().slice(0, 300) });
  let text = out.join('');
  if (text.length > maxOut) text = text.slice(0, maxOut);
  return { text, links: links.slice(0, 500), images: images.slice(0, 200), tags, tagCount, hidden };
}

/** Case-insensitive indexOf for an ASCII needle (no lower-casing of the whole haystack). */
function indexOfCI(hay: string, needle: string, from: number): number {
  const lower = needle.toLowerCase(); // needle starts with '<'
  for (let k = hay.indexOf('<', from); k >= 0; k = hay.indexOf('<', k + 1)) {
    if (hay.substr(k, lower.length).toLowerCase() === lower) return k;
  }
  return -1;
}
