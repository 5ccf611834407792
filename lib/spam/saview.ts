// What SpamAssassin rules look at, built lazily from our parsed message: header values by
// SpamAssassin's names (Subject, Subject:raw, From:addr, ALL, ToCc, EnvelopeFrom, MESSAGEID),
// the rendered body (Subject first, one line per paragraph, white space collapsed), the
// decoded body with HTML as markup (rawbody), the whole message (full) and the URIs.
// Texts are UTF-8 bytes held as latin1 strings (see perlre.ts), each capped so a huge
// message costs bounded time (SpamAssassin caps parts at 50 KB / 500 KB likewise).
import type { ParsedMessage } from './parse';
import { parseHeaderAddress } from '../core';
import type { LiteralSet } from './literals';
import type { RegexSet } from './regexSet';
import { isSpace } from './tokens';

export type TextKind = 'body' | 'rawbody' | 'full' | 'uri';

/** Bytes of rendered body text the rules see. */
export const BODY_CAP = 64 * 1024;
/** Bytes of rawbody and of the full message the rules see. */
export const RAW_CAP = 256 * 1024;

/** UTF-8 bytes of a string as a latin1 string (ASCII is returned as is). */
export function byteView(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

function cap(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

/** Pseudo headers SpamAssassin computes from the relay path, which we do not rebuild. */
export const UNSUPPORTED_HEADER = /^(X-Spam-Relays-|ALL-(TRUSTED|UNTRUSTED|INTERNAL|EXTERNAL)|X-Spam-(DCC|Pyzor|Razor)|X-SpamAssassin-|X-Spam-Languages)/i;

/**
 * One line per paragraph (paragraphs end at a blank line: LF, spaces/tabs/CR, LF), white space
 * within each collapsed to one space, none at either end. What
 * `text.split(/\n[ \t\r]*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean).join('\n')`
 * gives, made of a few slices of the text instead of a new string per word and paragraph.
 */
export function renderParagraphs(text: string): string {
  const n = text.length;
  let at = 0;
  while (at < n && isSpace(text.charCodeAt(at))) at++;
  const pieces: string[] = [];
  let from = at; // the stretch copied as it is: words with one space between them
  while (at < n) {
    while (at < n && !isSpace(text.charCodeAt(at))) at++;
    const wordEnd = at;
    // the white space after the word: a blank line in it ends the paragraph
    let blank = false;
    let newline = false;
    for (; at < n; at++) {
      const c = text.charCodeAt(at);
      if (!isSpace(c)) break;
      if (c === 10) {
        if (newline) blank = true;
        newline = true;
      } else if (c !== 32 && c !== 9 && c !== 13) newline = false;
    }
    if (at >= n) {
      pieces.push(text.slice(from, wordEnd));
      break;
    }
    if (at - wordEnd === 1 && text.charCodeAt(wordEnd) === 32) continue;
    pieces.push(text.slice(from, wordEnd), blank ? '\n' : ' ');
    from = at;
  }
  return pieces.length === 1 ? pieces[0] : pieces.join('');
}

export class SaView {
  /** Bayes spam probability, when Bayes counts for this message */
  bayes?: number;
  /** free-mail domains (FreeMail plugin's list; "yahoo." stands for yahoo.*) */
  freemail: Set<string> = new Set();
  /** header values by spec; null = absent (one lookup per rule: ~2,000 header rules read it) */
  private cache = new Map<string, string | null>();
  private _body?: string;
  private _bodyText?: string;
  private _raw?: string;
  private _full?: string;
  private _uris?: string[];
  private lowers = new Map<string, string>();
  /** found() per text kind: a record of fixed shape (read once per text rule) */
  private founds: Record<TextKind, Uint8Array | undefined> = { body: undefined, rawbody: undefined, full: undefined, uri: undefined };
  /** the rule set's prefilter strings per text kind */
  literals?: Record<TextKind, LiteralSet>;
  /** mayMatch() per text kind */
  private mays: Record<TextKind, Uint8Array | undefined> = { body: undefined, rawbody: undefined, full: undefined, uri: undefined };
  /** the rule set's one-pass sets of the regexes without prefilter strings, per text kind */
  regexSets?: Record<TextKind, RegexSet>;

  constructor(readonly msg: ParsedMessage) {}

  /** A header by SpamAssassin's spelling (Name, Name:raw, Name:addr, Name:name, ALL...); undefined when absent. */
  header(spec: string): string | undefined {
    const known = this.cache.get(spec);
    if (known !== undefined) return known ?? undefined;
    const v = this.compute(spec);
    this.cache.set(spec, v ?? null);
    return v;
  }

  private headerLowers = new Map<string, string>();

  /** A header's value in lower case (for the header rules' prefilter); '' when absent. */
  headerLower(spec: string): string {
    let l = this.headerLowers.get(spec);
    if (l === undefined) this.headerLowers.set(spec, (l = (this.header(spec) ?? '').toLowerCase()));
    return l;
  }

  private values(name: string, raw: boolean): string[] {
    const lc = name.toLowerCase();
    const out: string[] = [];
    for (const h of this.msg.headers) if (h.name === lc) out.push(raw ? h.raw : byteView(h.value));
    return out;
  }

  private compute(spec: string): string | undefined {
    const colon = spec.indexOf(':');
    const name = colon < 0 ? spec : spec.slice(0, colon);
    const mod = colon < 0 ? '' : spec.slice(colon + 1).toLowerCase();
    const raw = mod === 'raw';
    let vals: string[];
    switch (name) {
      case 'ALL':
        return this.msg.headers.map((h) => `${h.orig}: ${raw ? h.raw : byteView(h.value)}`).join('\n') + '\n';
      case 'ToCc':
        vals = [...this.values('to', raw), ...this.values('cc', raw)];
        break;
      case 'EnvelopeFrom':
        vals = this.values('return-path', raw);
        if (!vals.length) vals = this.values('x-envelope-from', raw);
        return vals.length ? parseHeaderAddress(vals[0]).address || undefined : undefined;
      case 'MESSAGEID':
        vals = [...this.values('message-id', raw), ...this.values('resent-message-id', raw), ...this.values('x-message-id', raw)];
        break;
      default:
        vals = this.values(name, raw);
    }
    if (!vals.length) return undefined;
    if (mod === 'addr' || mod === 'name' || mod === 'host' || mod === 'domain') {
      const a = parseHeaderAddress(vals[0]);
      if (mod === 'name') return a.name;
      if (mod === 'addr') return a.address;
      return a.domain;
    }
    return vals.join('\n');
  }

  /** Rendered text: the Subject then one line per paragraph. */
  get body(): string {
    if (this._body === undefined) this._body = cap(byteView(`${this.msg.subject}\n${this.bodyText}`), BODY_CAP);
    return this._body;
  }

  private _bodyBytes?: string;

  /** Rendered text without the Subject line, as bytes (tflags nosubject). */
  get bodyBytes(): string {
    if (this._bodyBytes === undefined) this._bodyBytes = cap(byteView(this.bodyText), BODY_CAP);
    return this._bodyBytes;
  }

  /** Rendered text without the Subject line (Unicode, for evals that count characters). */
  get bodyText(): string {
    if (this._bodyText === undefined) {
      this._bodyText = renderParagraphs(cap(this.msg.text, BODY_CAP));
    }
    return this._bodyText;
  }

  get rawbody(): string {
    if (this._raw === undefined) this._raw = cap(byteView(this.msg.rawText), RAW_CAP);
    return this._raw;
  }

  get full(): string {
    if (this._full === undefined) this._full = cap(this.msg.src.raw.toString('latin1', 0, Math.min(this.msg.src.raw.length, RAW_CAP)), RAW_CAP);
    return this._full;
  }

  /** A text in lower case (for the literal prefilters): 'body', 'rawbody', 'full' or 'uri'. */
  lower(kind: TextKind): string {
    let l = this.lowers.get(kind);
    if (l === undefined) {
      const t = kind === 'uri' ? this.uris.join('\n') : this[kind];
      this.lowers.set(kind, (l = t.toLowerCase()));
    }
    return l;
  }

  /** Sets what found() answers (the warm-up makes every prefilter pass). */
  setFound(kind: TextKind, f: Uint8Array): void {
    this.founds[kind] = f;
  }

  /** Which prefilter strings of the rule set occur in a text (one pass for all rules). */
  found(kind: TextKind): Uint8Array {
    let f = this.founds[kind];
    if (f === undefined) this.founds[kind] = f = this.literals![kind].scan(this.lower(kind));
    return f;
  }

  /** Sets what mayMatch() answers (the warm-up runs every regex). */
  setMayMatch(kind: TextKind, m: Uint8Array): void {
    this.mays[kind] = m;
  }

  /** Which regexes of the rule set's one-pass set may match the text (one scan for all of them). */
  mayMatch(kind: TextKind): Uint8Array {
    let m = this.mays[kind];
    if (m === undefined) this.mays[kind] = m = this.regexSets![kind].scan(kind === 'uri' ? this.uris : this[kind]);
    return m;
  }

  /** URIs as SpamAssassin lists them: with a scheme (www.x -> http://www.x). */
  get uris(): string[] {
    if (this._uris === undefined) {
      const seen = new Set<string>();
      for (const u of this.msg.urls) {
        const t = byteView(u.trim());
        seen.add(/^[a-z][a-z0-9+.-]*:/i.test(t) ? t : `http://${t}`);
      }
      for (const h of this.msg.html.links) if (/^mailto:/i.test(h.href)) seen.add(byteView(h.href));
      this._uris = [...seen];
    }
    return this._uris;
  }
}
