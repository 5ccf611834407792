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
