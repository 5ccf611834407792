// Per-copy header edits on a raw message (CRLF): prepend trace headers, tag the Subject.
// Works on the header block only; the body is never touched or re-encoded.

/** Index just past the blank line ending the header block (or the message length). */
export function headerEnd(message: Buffer): number {
  const i = message.indexOf('\r\n\r\n');
  if (i >= 0) return i + 4;
  const j = message.indexOf('\n\n');
  return j >= 0 ? j + 2 : message.length;
}

/** All values of a header (unfolded), from the header block only. */
export function headerValues(message: Buffer, name: string): string[] {
  const head = message.subarray(0, headerEnd(message)).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name.replace(/[-]/g, '\\-')}:[ \\t]*(.*)$`, 'gim');
  return [...head.matchAll(re)].map((m) => m[1].trim());
}

/** A header line safe to write: CR/LF and NUL removed from the value. */
export function headerLine(name: string, value: string): string {
  return `${name}: ${value.replace(/[\r\n\0]+/g, ' ')}\r\n`;
}

/** Prefixes the Subject with `tag` (adds a Subject when there is none). */
export function tagSubject(message: Buffer, tag: string): Buffer {
  const end = headerEnd(message);
  const head = message.subarray(0, end).toString('latin1');
  const m = /^subject:[ \t]?/im.exec(head);
  const safeTag = tag.replace(/[\r\n\0]+/g, ' ');
  if (!m) return Buffer.concat([Buffer.from(headerLine('Subject', safeTag), 'utf8'), message]);
  const at = m.index + m[0].length;
  return Buffer.concat([message.subarray(0, at), Buffer.from(`${safeTag} `, 'utf8'), message.subarray(at)]);
}

/** One header field as raw text (latin1: one char per byte), continuation lines included. */
export interface RawHeaderField {
  name: string;
  raw: string; // the field's lines as received, ending with a line break
}

/** The fields of a header block (latin1 text, so bytes round-trip), each with its line ends. */
export function headerFields(head: string): RawHeaderField[] {
  const fields: RawHeaderField[] = [];
  for (const line of head.split(/(?<=\n)/)) {
    if (!line.trim()) continue;
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1].raw += line;
    else fields.push({ name: line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(), raw: line.endsWith('\n') ? line : `${line}\r\n` });
  }
  return fields;
}

/** The message without the header fields whose (lower-case) name matches `drop`; the body is untouched. */
export function removeHeaderFields(message: Buffer, drop: (name: string) => boolean): Buffer {
  const end = headerEnd(message);
  const fields = headerFields(message.subarray(0, end).toString('latin1'));
  if (!fields.some((f) => drop(f.name))) return message;
  const hasBody = message.indexOf('\r\n\r\n') >= 0 || message.indexOf('\n\n') >= 0;
  const head = fields
    .filter((f) => !drop(f.name))
    .map((f) => f.raw)
    .join('');
  return Buffer.concat([Buffer.from(head + (hasBody ? '\r\n' : ''), 'latin1'), message.subarray(end)]);
}


/** Physical lines in the header block (continuation lines count: they are what parsers cap). */
export function headerLineCount(message: Buffer): number {
  const head = message.subarray(0, headerEnd(message)).toString('latin1');
  let n = 0;
  for (const line of head.split('\n')) if (line !== '' && line !== '\r') n++;
  return n;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The message as received, with the header edits other steps made on their parsed copy of the
 * header (Haraka's `header_list`: fields decoded with `encoding`, capped at its max_lines):
 * fields only in `current` were added and go in front; received fields missing from `current`
 * were removed. Every other byte stays as received (8-bit header bytes, folding): writing the
 * parsed copy back would turn 8-bit bytes into U+FFFD and lose the lines past the cap.
 */
export function applyHeaderEdits(raw: Buffer, current: readonly string[], encoding: BufferEncoding = 'utf8'): Buffer {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end).toString('latin1');
  const fields = headerFields(head);
  const blank = blankLineLength(head);
  // most calls: steps only added fields in front (no key per field needed)
  const front = addedInFront(head, fields, current, end - blank);
  if (front) return front.length ? Buffer.concat([Buffer.from(front.map(crlf).join(''), 'utf8'), raw]) : raw;
  return matchHeaderEdits(raw, current, encoding);
}

/** applyHeaderEdits for any edits: each field of `current` matched to a received one. */
export function matchHeaderEdits(raw: Buffer, current: readonly string[], encoding: BufferEncoding = 'utf8'): Buffer {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end).toString('latin1');
  const key = (s: string) => s.replace(/\r\n/g, '\n').replace(/\n?$/, '\n');
  const unmatched = new Map<string, number>();
  for (const c of current) unmatched.set(key(c), (unmatched.get(key(c)) ?? 0) + 1);
  const kept: string[] = [];
  let removed = false;
  for (const f of headerFields(head)) {
    // an ASCII field reads the same in every encoding Haraka decodes with (most fields: no copy)
    const k = key(NON_ASCII.test(f.raw) ? Buffer.from(f.raw, 'latin1').toString(encoding) : f.raw);
    const n = unmatched.get(k) ?? 0;
    if (n > 0) {
      unmatched.set(k, n - 1);
      kept.push(f.raw);
    } else removed = true;
  }
  const added: string[] = [];
  for (const [k, n] of unmatched) for (let i = 0; i < n; i++) added.push(k.replace(/\n/g, '\r\n'));
  if (!added.length && !removed) return raw;
  const blank = blankLineLength(head);
  return Buffer.concat([Buffer.from(added.join(''), 'utf8'), Buffer.from(kept.join(''), 'latin1'), raw.subarray(end - blank)]);
}

/**
 * The common case of applyHeaderEdits without building a key per field: every received field is
 * still there, in order, at the end of `current` (steps only added fields in front). Returns
 * the fields added (maybe none), or null when it is not that case. `headLength`: the header
 * block without its blank line, which the fields must cover exactly (no line skipped or mended).
 */
function addedInFront(head: string, fields: RawHeaderField[], current: readonly string[], headLength: number): readonly string[] | null {
  const extra = current.length - fields.length;
  // a last line without its line break is mended by headerFields: the general matching says how
  if (extra < 0 || (headLength > 0 && head.charCodeAt(headLength - 1) !== 10)) return null;
  let covered = 0;
  for (let i = 0; i < fields.length; i++) {
    const raw = fields[i].raw;
    covered += raw.length;
    if (NON_ASCII.test(raw) || !sameField(raw, current[extra + i])) return null;
  }
  if (covered !== headLength) return null;
  // a field added twice: the general matching writes its copies together
  for (let i = 1; i < extra; i++) for (let k = 0; k < i; k++) if (sameField(current[i], current[k])) return null;
  return current.slice(0, extra);
}

/** a and b are the same field once CRLF is read as LF and a final line break added if missing (as applyHeaderEdits' keys). */
function sameField(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    if (a.charCodeAt(i) === 13 && a.charCodeAt(i + 1) === 10) i++;
    if (b.charCodeAt(j) === 13 && b.charCodeAt(j + 1) === 10) j++;
    if (i >= a.length || j >= b.length) break;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
    i++;
    j++;
  }
  // what is left of the longer one may only be the final line break the key adds to the other
  const restA = a.length - i;
  const restB = b.length - j;
  if (restA === 0 && restB === 0) return true;
  if (restA === 0) return restB === 1 && b.charCodeAt(j) === 10 && a.charCodeAt(a.length - 1) !== 10;
  return restB === 0 && restA === 1 && a.charCodeAt(i) === 10 && b.charCodeAt(b.length - 1) !== 10;
}

/** The length of the blank line ending a header block (0 when it has none). */
function blankLineLength(head: string): number {
  return head.endsWith('\r\n\r\n') ? 2 : head.endsWith('\n\n') ? 1 : 0;
}

/** A field as written in front of the message: CRLF line ends, ending with one. */
function crlf(field: string): string {
  return field.replace(/\r?\n/g, '\r\n').replace(/(?<!\r\n)$/, '\r\n');
}
