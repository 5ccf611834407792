// MIME parsing for scoring, with hard limits: a hostile message (huge headers, deep
// nesting, broken encodings, tens of megabytes) costs bounded time and never throws.
// Only a prefix of the raw message is looked at; structure is split here (linear scans),
// RFC 2047 words and structured header values are decoded with libmime, quoted-printable
// with libqp, charsets with the WHATWG decoders built into Node.
import crypto from 'node:crypto';
import { TextDecoder } from 'node:util';
import { libmime, libqp, decodeCharset } from './mimelibs';
import { htmlToText, type HtmlLink } from './html';
import { urlsInText, hostOf, type UrlHost } from './urls';
import { parseHeaderAddress, type HeaderAddress } from '../core';

export interface ParseLimits {
  /** bytes of the raw message looked at; the rest is ignored (default 2 MB) */
  maxScanBytes: number;
  /** bytes of one header block (default 64 KB) */
  maxHeaderBytes: number;
  /** header fields kept per header block (default 300) */
  maxHeaders: number;
  /** MIME entities visited (default 64) */
  maxParts: number;
  /** multipart / message nesting depth (default 12) */
  maxDepth: number;
  /** characters of decoded text kept for rules and tokens (default 256 K) */
  maxTextBytes: number;
  /** wall-clock budget for parsing (default 200 ms) */
  maxTimeMs: number;
  /** URLs collected (default 200) */
  maxUrls: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxScanBytes: 2 * 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxHeaders: 300,
  maxParts: 64,
  maxDepth: 12,
  maxTextBytes: 256 * 1024,
  maxTimeMs: 200,
  maxUrls: 200,
};

export interface HeaderField {
  name: string; // lower case
  value: string; // unfolded, RFC 2047 decoded
  /** the name as written */
  orig: string;
  /** the value as received (unfolded, not decoded; bytes as latin1 chars) */
  raw: string;
}

export interface MimePart {
  type: string; // lower-case media type, e.g. text/html
  charset?: string;
  encoding: string; // content-transfer-encoding, lower case ('7bit' when absent)
  disposition?: string;
  filename?: string;
  depth: number;
  size: number; // encoded body bytes seen
  text: boolean; // decoded into `text`
  broken?: string; // why decoding looked wrong (bad base64, no boundary...)
  ascii?: boolean; // text part whose decoded bytes are all 7-bit
}

export type Address = HeaderAddress;

export interface ParsedMessage {
  headers: HeaderField[]; // top-level header only
  subject: string;
  from: Address;
  replyTo?: Address;
  messageId: string;
  /** number of addresses in To + Cc */
  recipients: number;
  parts: MimePart[];
  /** decoded text of every text part, HTML as text, joined by newlines, capped */
  text: string;
  /** decoded text of every text part with HTML left as markup (SpamAssassin's rawbody), capped */
  rawText: string;
  /** characters of text that came from text/plain parts / from HTML parts */
  plainChars: number;
  htmlChars: number;
  html: { parts: number; tagCount: number; hidden: number; tags: Set<string>; links: HtmlLink[]; images: string[] };
  urls: string[];
  hosts: UrlHost[]; // unique
  /** which limits were reached: 'scan', 'header', 'headers', 'parts', 'depth', 'text', 'time' */
  limits: string[];
  size: number; // raw size in bytes
  /** @internal what messageHash() reads */
  src: { raw: Buffer; bodyOffset: number };
}

interface Ctx {
  s: string; // latin1 view of the scanned prefix: string index == byte offset
  lim: ParseLimits;
  deadline: number;
  msg: ParsedMessage;
  textParts: string[];
  textLen: number;
  rawParts: string[];
  rawLen: number;
  entities: number;
}

function hit(ctx: Ctx, what: string): void {
  if (!ctx.msg.limits.includes(what)) ctx.msg.limits.push(what);
}

/** Bytes (held as latin1 chars) that are probably UTF-8 become text; otherwise windows-1252. */
function headerBytesToText(v: string): string {
  if (!/[\x80-\xff]/.test(v)) return v;
  const b = Buffer.from(v, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return decodeCharset(b, 'windows-1252');
  }
}

function decodeWords(v: string): string {
  if (v.indexOf('=?') < 0) return v;
  try {
    return libmime.decodeWords(v.length > 8192 ? v.slice(0, 8192) : v);
  } catch {
    return v;
  }
}

function parseHeaderBlock(ctx: Ctx, block: string): HeaderField[] {
  const out: HeaderField[] = [];
  const lines = block.split('\n');
  let cur: { name: string; orig: string; value: string } | null = null;
  const flush = () => {
    if (!cur) return;
    if (out.length >= ctx.lim.maxHeaders) {
      hit(ctx, 'headers');
    } else {
      const raw = cur.value.replace(/\r/g, '').trim();
      out.push({ name: cur.name, value: decodeWords(headerBytesToText(raw)), orig: cur.orig, raw });
    }
    cur = null;
  };
  for (const line of lines) {
    if (line === '' || line === '\r') continue;
    const c = line.charCodeAt(0);
    if ((c === 32 || c === 9) && cur) {
      if (cur.value.length < 16384) cur.value += ' ' + line.trim();
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > 76) continue; // not a header (e.g. an mbox "From " line)
    const orig = line.slice(0, colon).trim();
    const name = orig.toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    cur = { name, orig, value: line.slice(colon + 1) };
  }
  flush();
  return out;
}

function get(headers: HeaderField[], name: string): string | undefined {
  for (const h of headers) if (h.name === name) return h.value;
  return undefined;
}


function countAddresses(v: string | undefined): number {
  if (!v) return 0;
  const m = v.match(/@/g);
  return m ? Math.min(m.length, 10000) : v.trim() ? 1 : 0;
}

/** Start of the body after a header block starting at `start`, or -1 when no blank line in [start, end). */
function headerEnd(s: string, start: number, end: number): number {
  if (s.startsWith('\n', start)) return start + 1;
  if (s.startsWith('\r\n', start)) return start + 2;
  let k = s.indexOf('\n\n', start);
  let k2 = s.indexOf('\n\r\n', start);
  if (k >= end) k = -1;
  if (k2 >= end) k2 = -1;
  if (k < 0 && k2 < 0) return -1;
  if (k2 >= 0 && (k < 0 || k2 < k)) return k2 + 3;
  return k + 2;
}

function addText(ctx: Ctx, text: string, kind: 'plain' | 'html'): void {
  const room = ctx.lim.maxTextBytes - ctx.textLen;
  if (room <= 0) return hit(ctx, 'text');
  if (text.length > room) {
    text = text.slice(0, room);
    hit(ctx, 'text');
  }
  ctx.textParts.push(text);
  ctx.textLen += text.length + 1;
  if (kind === 'plain') ctx.msg.plainChars += text.length;
  else ctx.msg.htmlChars += text.length;
}

function hasHighByte(b: Buffer): boolean {
  const n = Math.min(b.length, 65536);
  for (let i = 0; i < n; i++) if (b[i] > 127) return true;
  return false;
}

function decodeBody(encoded: string, encoding: string, part: MimePart): Buffer {
  if (encoding === 'base64') {
    const clean = encoded.replace(/[\s]+/g, '');
    if (/[^A-Za-z0-9+/=]/.test(clean) || (clean.length % 4 !== 0 && clean.length > 0)) part.broken = 'base64';
    return Buffer.from(clean.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  }
  if (encoding === 'quoted-printable') {
    try {
      return libqp.decode(encoded);
    } catch {
      part.broken = 'quoted-printable';
      return Buffer.from(encoded, 'latin1');
    }
  }
  return Buffer.from(encoded, 'latin1');
}

function parseEntity(ctx: Ctx, start: number, end: number, depth: number, top: boolean): void {
  const { s, lim, msg } = ctx;
  if (ctx.entities >= lim.maxParts) return hit(ctx, 'parts');
  if (Date.now() > ctx.deadline) return hit(ctx, 'time');
  ctx.entities++;
  // header block
  let bodyStart = headerEnd(s, start, Math.min(end, start + lim.maxHeaderBytes));
  const headerStop = bodyStart < 0 ? Math.min(end, start + lim.maxHeaderBytes) : bodyStart;
  if (bodyStart < 0) {
    if (end - start > lim.maxHeaderBytes) {
      hit(ctx, 'header');
      bodyStart = headerEnd(s, start, end);
      if (bodyStart < 0) bodyStart = end;
    } else bodyStart = end;
  }
  const headers = parseHeaderBlock(ctx, s.slice(start, headerStop));
  if (top) {
    msg.headers = headers;
    msg.src.bodyOffset = bodyStart;
  }
  const ctValue = get(headers, 'content-type');
  let type = 'text/plain';
  let params: Record<string, string> = {};
  if (ctValue) {
    try {
      const parsed = libmime.parseHeaderValue(ctValue.slice(0, 2048));
      type = (parsed.value || 'text/plain').toLowerCase().trim();
      params = parsed.params || {};
    } catch {
      type = 'text/plain';
    }
    if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) type = 'text/plain';
  }
  const encoding = (get(headers, 'content-transfer-encoding') || '7bit').toLowerCase().trim().split(/[\s;]/)[0];
  let disposition: string | undefined;
  let filename: string | undefined = params.name;
  const cd = get(headers, 'content-disposition');
  if (cd) {
    try {
      const p = libmime.parseHeaderValue(cd.slice(0, 2048));
      disposition = (p.value || '').toLowerCase();
      filename = p.params?.filename || filename;
    } catch {
      /* ignore */
    }
  }
  const part: MimePart = { type, charset: params.charset, encoding, disposition, filename, depth, size: end - bodyStart, text: false };
  msg.parts.push(part);

  if (type.startsWith('multipart/')) {
    const boundary = params.boundary;
    if (!boundary) {
      part.broken = 'no boundary';
      return;
    }
    if (depth >= lim.maxDepth) return hit(ctx, 'depth');
    const delim = `--${boundary}`;
    // find delimiter lines; content between them is one child
    let pos = bodyStart;
    let childStart = -1;
    for (;;) {
      if (Date.now() > ctx.deadline) return hit(ctx, 'time');
      const k = s.indexOf(delim, pos);
      if (k < 0 || k >= end) {
        if (childStart >= 0) parseEntity(ctx, childStart, end, depth + 1, false); // unterminated last part
        else part.broken = 'boundary not found';
        return;
      }
      pos = k + delim.length;
      if (k !== bodyStart && s.charCodeAt(k - 1) !== 10) continue; // not at line start
      if (childStart >= 0) {
        let childEnd = k - 1; // the line break before the delimiter belongs to it
        if (childEnd > childStart && s.charCodeAt(childEnd - 1) === 13) childEnd--;
        parseEntity(ctx, childStart, Math.max(childStart, childEnd), depth + 1, false);
        if (ctx.entities >= lim.maxParts) return hit(ctx, 'parts');
      }
      if (s.startsWith('--', pos)) return; // close delimiter
      const eol = s.indexOf('\n', pos);
      if (eol < 0 || eol >= end) return;
      childStart = eol + 1;
      pos = childStart;
    }
  }

  if (type === 'message/rfc822' || type === 'message/global') {
    if (depth >= lim.maxDepth) return hit(ctx, 'depth');
    if (encoding === 'base64' || encoding === 'quoted-printable') return; // rare; not worth a copy
    parseEntity(ctx, bodyStart, end, depth + 1, false);
    return;
  }

  const isText = type.startsWith('text/') && disposition !== 'attachment';
  if (!isText) return;
  const room = lim.maxTextBytes - ctx.textLen;
  if (room <= 0) return hit(ctx, 'text');
  const html = type === 'text/html';
  // enough encoded input to fill the room left (base64 4/3, QP up to 3x, markup more)
  const cap = room * (html ? 4 : 3) + 4096;
  let encodedEnd = end;
  if (end - bodyStart > cap) {
    encodedEnd = bodyStart + cap;
    hit(ctx, 'text');
  }
  const bytes = decodeBody(s.slice(bodyStart, encodedEnd), encoding, part);
  const text = decodeCharset(bytes, params.charset);
  part.text = true;
  part.ascii = !hasHighByte(bytes);
  if (ctx.rawLen < lim.maxTextBytes) {
    const keep = text.length > lim.maxTextBytes - ctx.rawLen ? text.slice(0, lim.maxTextBytes - ctx.rawLen) : text;
    ctx.rawParts.push(keep);
    ctx.rawLen += keep.length + 1;
  }
  if (html) {
    const info = htmlToText(text, room);
    msg.html.parts++;
    msg.html.tagCount += info.tagCount;
    msg.html.hidden += info.hidden;
    for (const t of info.tags) msg.html.tags.add(t);
    for (const l of info.links) if (msg.html.links.length < lim.maxUrls) msg.html.links.push(l);
    for (const i of info.images) if (msg.html.images.length < lim.maxUrls) msg.html.images.push(i);
    addText(ctx, info.text, 'html');
  } else {
    addText(ctx, text, 'plain');
  }
}

export function parseForScoring(raw: Buffer, limits: Partial<ParseLimits> = {}): ParsedMessage {
  const lim: ParseLimits = { ...DEFAULT_LIMITS, ...limits };
  const started = Date.now();
  let prefix = raw.length > lim.maxScanBytes ? raw.subarray(0, lim.maxScanBytes) : raw;
  let skip = 0;
  // an mbox "From " separator line is not part of the message
  if (prefix.length > 5 && prefix.toString('latin1', 0, 5) === 'From ') {
    const nl = prefix.indexOf(10);
    skip = nl < 0 ? prefix.length : nl + 1;
  }
  prefix = prefix.subarray(skip);
  const msg: ParsedMessage = {
    headers: [],
    subject: '',
    from: { address: '', name: '', domain: '' },
    messageId: '',
    recipients: 0,
    parts: [],
    text: '',
    rawText: '',
    plainChars: 0,
    htmlChars: 0,
    html: { parts: 0, tagCount: 0, hidden: 0, tags: new Set(), links: [], images: [] },
    urls: [],
    hosts: [],
    limits: [],
    size: raw.length,
    src: { raw: prefix, bodyOffset: 0 },
  };
  const ctx: Ctx = { s: prefix.toString('latin1'), lim, deadline: started + lim.maxTimeMs, msg, textParts: [], textLen: 0, rawParts: [], rawLen: 0, entities: 0 };
  if (raw.length > lim.maxScanBytes) hit(ctx, 'scan');
  try {
    parseEntity(ctx, 0, ctx.s.length, 0, true);
  } catch {
    hit(ctx, 'error'); // never let a parser bug take the message down: score what we have
  }
  msg.text = ctx.textParts.join('\n');
  msg.rawText = ctx.rawParts.join('\n');
  const h = msg.headers;
  msg.subject = get(h, 'subject') ?? '';
  msg.from = parseHeaderAddress(get(h, 'from'));
  const rt = get(h, 'reply-to');
  if (rt) msg.replyTo = parseHeaderAddress(rt);
  msg.messageId = (get(h, 'message-id') ?? '').trim();
  msg.recipients = countAddresses(get(h, 'to')) + countAddresses(get(h, 'cc'));
  // URLs: links and images of HTML parts, then anything URL-like in the text
  const urls: string[] = [];
  for (const l of msg.html.links) urls.push(l.href);
  for (const i of msg.html.images) urls.push(i);
  for (const u of urlsInText(msg.text.length > 262144 ? msg.text.slice(0, 262144) : msg.text, lim.maxUrls)) urls.push(u);
  msg.urls = urls.slice(0, lim.maxUrls);
  const seen = new Set<string>();
  for (const u of msg.urls) {
    const host = hostOf(u);
    if (host && !seen.has(host.host)) {
      seen.add(host.host);
      msg.hosts.push(host);
    }
  }
  if (Date.now() > ctx.deadline) hit(ctx, 'time');
  return msg;
}

/** First value of a top-level header (lower-case name). */
export function headerValue(msg: ParsedMessage, name: string): string | undefined {
  return get(msg.headers, name);
}

/** All values of a top-level header (lower-case name). */
export function headerValues(msg: ParsedMessage, name: string): string[] {
  return msg.headers.filter((x) => x.name === name).map((x) => x.value);
}

/**
 * A stable identity for learn/forget: Message-ID, From, Subject, Date and the body bytes
 * looked at (CR removed, trailing white space ignored). Headers added in transit (Received,
 * X-Spam-*) do not change it, so a quarantined or delivered copy forgets what was learned.
 */
export function messageHash(msg: ParsedMessage): string {
  const h = crypto.createHash('sha256');
  for (const name of ['message-id', 'from', 'subject', 'date']) h.update(`${get(msg.headers, name) ?? ''}\0`);
  const body = msg.src.raw.subarray(msg.src.bodyOffset).toString('latin1').replace(/\r/g, '').replace(/\s+$/, '');
  h.update(body, 'latin1');
  return h.digest('hex');
}
