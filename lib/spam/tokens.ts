// Bayes tokens of a parsed message. Each token is a short string with a prefix saying
// where it came from (body words have none), then hashed to a fixed-width id for SQL.
//   body:    lower-cased words (3..12 chars, surrounding punctuation stripped), long words
//            as "skip:<first char> <length/10>", adjacent word pairs as "bi:<w1> <w2>",
//            CJK runs as character pairs
//   header:  subject words, From address/domain/name words, Reply-To domain, number of
//            recipients, X-Mailer/User-Agent words, Message-ID domain, header names present,
//            a few header values (priority, precedence, MIME shape), content types, charsets,
//            transfer encodings and attachment extensions of every part
//   URLs:    host, base domain, words of the path, numeric host flag, number of hosts
// Headers added in transit or by other filters (Received, X-Spam-*, Authentication-Results,
// ...) are left out by default: they describe the delivery path and our own pipeline more
// than the sender (options turn Received relays, other header values and HTML tag names on).
import { type ParsedMessage, headerValue } from './parse';
import { baseDomain } from './urls';

export interface TokenizeOptions {
  /**
   * unique tokens kept per message, header and URL tokens first, then body words in order
   * (default 600: measured, words past that add little, and filler appended to spam to drag
   * it towards ham -- Bayes poisoning -- then mostly falls outside)
   */
  maxTokens?: number;
  /** add word pairs (default true) */
  bigrams?: boolean;
  /** add words of URL paths (default true) */
  urlPaths?: boolean;
  /** add relay tokens from Received headers (default false: on public corpora they mostly say who collected the mail) */
  received?: boolean;
  /** Received headers looked at, newest first (default 6) */
  receivedMax?: number;
  /** add words of the values of other headers (default false) */
  headerWords?: boolean;
  /** add HTML tag names (default false: they are many and move together, which overweights any HTML) */
  tags?: boolean;
}

/** Header names that are never tokens: added in transit, by filters, or unique per message. */
const SKIP_HEADER = /^(received|x-spam|x-haraka|x-virus|x-mailhost|authentication-results|arc-|received-spf|dkim-signature|domainkey-signature|x-google-dkim|return-path|delivered-to|x-original-to|envelope-to|x-envelope|date|message-id|content-length|lines|status|x-status|x-keywords|x-uid|x-uidl|x-imap|x-gmail|x-received|x-ms-exchange|x-forwarded|x-loop|x-antivirus|x-amavis|x-mimeole$)/;

/** headers tokenized on their own above */
const OWN_HEADER = new Set(['subject', 'from', 'reply-to', 'to', 'cc', 'x-mailer', 'user-agent', 'content-type', 'content-transfer-encoding', 'content-disposition', 'mime-version', 'x-priority', 'x-msmail-priority', 'precedence', 'importance']);

const VALUE_HEADERS = ['x-priority', 'x-msmail-priority', 'precedence', 'importance', 'mime-version'];

const WORD_TRIM = /^[\s"'`()[\]{}<>,.;:?!*|#=~^_+\\/-]+|[\s"'`()[\]{}<>,.;:?*|#=~^_+\\/-]+$/g;
/** A word the body loop keeps unchanged (nothing to trim, lower case, 3..12 letters). */
const PLAIN_WORD = /^[a-z]{3,12}$/;
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/;

export interface TokenSequence {
  /** tokens that are not part of the word sequence (headers, URLs, structure, odd words) */
  fixed: string[];
  /** body words in order; '' marks a break (no pair across it) */
  words: string[];
}

/** Unique tokens of a message: the fixed ones, every word, and (by default) every adjacent pair. */
export function tokenize(msg: ParsedMessage, opts: TokenizeOptions = {}): string[] {
  const max = opts.maxTokens ?? 600;
  const seq = tokenSequence(msg, opts);
  const out = new Set<string>(seq.fixed);
  // pairs seen, by first word: a repeated pair is found without building its string again
  const pairs = new Map<string, Set<string>>();
  let prev = '';
  for (const w of seq.words) {
    if (out.size >= max) break;
    if (w) {
      out.add(w);
      if (opts.bigrams !== false && prev) {
        let after = pairs.get(prev);
        if (!after) pairs.set(prev, (after = new Set()));
        if (!after.has(w)) {
          after.add(w);
          out.add(`bi:${prev} ${w}`);
        }
      }
    }
    prev = w;
  }
  return [...out].slice(0, max);
}

export function tokenSequence(msg: ParsedMessage, opts: TokenizeOptions = {}): TokenSequence {
  const max = opts.maxTokens ?? 600;
  const out = new Set<string>();
  const add = (t: string) => {
    if (out.size < max) out.add(t);
  };
  const seqWords: string[] = [];
  const maxWords = max * 4;

  // --- header tokens first (they are few and strong)
  for (const w of words(msg.subject, 64)) add(`subject:${w}`);
  if (/[A-Z]{4,}/.test(msg.subject) && msg.subject === msg.subject.toUpperCase()) add('subject:ALLCAPS');
  const punct = msg.subject.match(/[!$%?]{1,}/g);
  if (punct) for (const p of punct.slice(0, 5)) add(`subject:punct:${p.slice(0, 3)}`);
  if (msg.from.address) {
    add(`from:addr:${msg.from.address}`);
    add(`from:dom:${msg.from.domain}`);
    add(`from:base:${baseDomain(msg.from.domain)}`);
    const local = msg.from.address.slice(0, msg.from.address.lastIndexOf('@'));
    add(`from:localshape:${shape(local)}`);
  } else add('from:none');
  if (msg.from.name) for (const w of words(msg.from.name, 10)) add(`from:name:${w}`);
  else add('from:noname');
  if (msg.replyTo) add(msg.replyTo.domain === msg.from.domain ? 'replyto:same' : `replyto:dom:${msg.replyTo.domain}`);
  add(`rcpts:${bucket(msg.recipients)}`);
  for (const name of ['x-mailer', 'user-agent']) {
    const v = headerValue(msg, name);
    if (v) for (const w of words(v.replace(/[\d.]+/g, ' '), 8)) add(`${name}:${w}`);
  }
  const mid = /@([^>\s]+)>?\s*$/.exec(msg.messageId);
  if (mid) add(`mid:dom:${baseDomain(mid[1].toLowerCase())}`);
  else add(msg.messageId ? 'mid:nodomain' : 'mid:none');
  for (const name of VALUE_HEADERS) {
    const v = headerValue(msg, name);
    if (v) add(`hv:${name}:${v.toLowerCase().replace(/\s+/g, ' ').slice(0, 40)}`);
  }
  const names = new Set<string>();
  for (const h of msg.headers) if (!SKIP_HEADER.test(h.name)) names.add(h.name);
  for (const n of names) add(`hdr:${n.length > 40 ? n.slice(0, 40) : n}`);
  if (opts.headerWords) {
    for (const h of msg.headers) {
      if (SKIP_HEADER.test(h.name) || OWN_HEADER.has(h.name)) continue;
      for (const w of words(h.value.replace(/[<>@=;"]/g, ' '), 12)) add(`h:${h.name.slice(0, 30)}:${w}`);
    }
  }
  for (const p of msg.parts) {
    add(`ct:${p.type}`);
    if (p.charset) add(`cs:${p.charset.toLowerCase()}`);
    if (p.encoding !== '7bit') add(`cte:${p.type.split('/')[0]}:${p.encoding}`);
    if (p.filename) add(`ext:${(/\.([a-z0-9]{1,6})$/i.exec(p.filename)?.[1] ?? '').toLowerCase()}`);
    if (p.broken) add(`broken:${p.broken}`);
  }
  if (msg.html.parts && !msg.plainChars) add('html:only');
  if (opts.tags) for (const t of msg.html.tags) add(`tag:${t}`);
  if (msg.html.images.length) add(`img:${bucket(msg.html.images.length)}`);

  // --- URLs
  for (const h of msg.hosts) {
    if (h.ip) {
      add('url:ip');
      continue;
    }
    add(`url:${h.host}`);
    add(`url:base:${baseDomain(h.host)}`);
  }
  add(`urls:${bucket(msg.hosts.length)}`);
  if (opts.urlPaths !== false) {
    let n = 0;
    for (const u of msg.urls) {
      const path = /^(?:[a-z]+:\/\/)?[^/?#]*([/?#].*)?$/i.exec(u)?.[1];
      if (!path) continue;
      for (const w of path.toLowerCase().split(/[^a-z0-9]+/)) {
        if (w.length >= 3 && w.length <= 20 && !/^\d+$/.test(w)) add(`up:${w}`);
      }
      if (++n >= 30) break;
    }
  }
  if (opts.received) {
    let n = 0;
    for (const h of msg.headers) {
      if (h.name !== 'received') continue;
      const v = h.value.toLowerCase();
      for (const m of v.matchAll(/\[(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}\]/g)) {
        add(`rcvd:ip:${m[1]}.${m[2]}`);
        add(`rcvd:ip:${m[1]}.${m[2]}.${m[3]}`);
      }
      for (const m of v.matchAll(/\b(?:from|by)\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)/g)) add(`rcvd:host:${baseDomain(m[1])}`);
      for (const m of v.matchAll(/\(([a-z0-9.-]+\.[a-z]{2,})\s+\[/g)) add(`rcvd:rdns:${baseDomain(m[1])}`);
      if (++n >= (opts.receivedMax ?? 6)) break;
    }
  }

  // --- body words (and word pairs)
  const brk = () => {
    if (seqWords.length && seqWords[seqWords.length - 1] !== '') seqWords.push('');
  };
  const text = msg.text;
  // the words are what /\S+/g matches, found without a match array per word
  for (let at = 0; out.size < max && seqWords.length < maxWords; ) {
    while (at < text.length && isSpace(text.charCodeAt(at))) at++;
    if (at >= text.length) break;
    const start = at;
    while (at < text.length && !isSpace(text.charCodeAt(at))) at++;
    let w = text.slice(start, at);
    // most words are plain lower-case words: what every step below would keep as it is
    if (PLAIN_WORD.test(w)) {
      seqWords.push(w);
      continue;
    }
    if (w.length > 80) {
      add(`skip:${w[0].toLowerCase()} ${Math.min(Math.floor(w.length / 10) * 10, 200)}`);
      brk();
      continue;
    }
    if (/^(https?:|www\.|mailto:)/i.test(w)) {
      brk();
      continue; // hosts already counted
    }
    w = w.replace(WORD_TRIM, '').toLowerCase();
    if (w.length < 3) {
      if (w.length && /[$€£!]/.test(w)) add(w);
      continue;
    }
    if (w.includes('@') && /^[^@]+@[^@]+\.[a-z]{2,}$/.test(w)) {
      add(`email:${baseDomain(w.slice(w.lastIndexOf('@') + 1))}`);
      brk();
      continue;
    }
    if (CJK.test(w)) {
      for (let i = 0; i + 1 < w.length && i < 40; i++) add(`cjk:${w.slice(i, i + 2)}`);
      brk();
      continue;
    }
    if (w.length > 12) {
      add(`skip:${w[0]} ${Math.floor(w.length / 10) * 10}`);
      brk();
      continue;
    }
    seqWords.push(w);
  }
  return { fixed: [...out], words: seqWords };
}

/** What a regular expression's \s matches (white space and line terminators, UTF-16 units). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function words(s: string, max: number): string[] {
  const out: string[] = [];
  for (const raw of s.split(/\s+/)) {
    const w = raw.replace(WORD_TRIM, '').toLowerCase();
    if (w.length >= 2 && w.length <= 20) out.push(w);
    if (out.length >= max) break;
  }
  return out;
}

/** Coarse shape of a string: letters a, digits 9, others kept, runs collapsed. */
function shape(s: string): string {
  return s
    .replace(/[a-z]+/gi, 'a')
    .replace(/[0-9]+/g, '9')
    .slice(0, 12);
}

function bucket(n: number): string {
  if (n <= 2) return String(n);
  if (n <= 5) return '3-5';
  if (n <= 10) return '6-10';
  if (n <= 50) return '11-50';
  return '50+';
}

/** Fixed-width id of a token: 64 bits of two multiplicative hash lanes, 16 hex chars. */
export function hashToken(t: string): string {
  let h1 = 0xdeadbeef ^ t.length;
  let h2 = 0x41c6ce57 ^ t.length;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // hex by table: toString(16) and padStart took five sixths of the time of hashing a token
  return (
    HEX[h1 >>> 24] + HEX[(h1 >>> 16) & 255] + HEX[(h1 >>> 8) & 255] + HEX[h1 & 255] + HEX[h2 >>> 24] + HEX[(h2 >>> 16) & 255] + HEX[(h2 >>> 8) & 255] + HEX[h2 & 255]
  );
}

/** Two hex digits of each byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
