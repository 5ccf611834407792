// The low-level MIME libraries mailparser is built on (libmime for RFC 2047 words and
// structured header values, libqp for quoted-printable), loaded through mailparser's own
// resolution path so they are found whether npm hoisted them or nested them under it.
import path from 'node:path';
import { TextDecoder } from 'node:util';

interface Libmime {
  decodeWords(str: string): string;
  parseHeaderValue(str: string): { value: string; params: Record<string, string> };
}
interface Libqp {
  decode(str: string | Buffer): Buffer;
}

function load<T>(name: string): T {
  try {
    return require(require.resolve(name, { paths: [path.dirname(require.resolve('mailparser'))] })) as T;
  } catch {
    return require(name) as T;
  }
}

export const libmime = load<Libmime>('libmime');
export const libqp = load<Libqp>('libqp');

const decoders = new Map<string, TextDecoder | null>();

/** Bytes in a declared charset to a string; unknown or broken charsets fall back to windows-1252. */
export function decodeCharset(buf: Buffer, charset: string | undefined): string {
  let cs = (charset || 'utf-8').trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (cs === 'utf8' || cs === 'utf-8') return buf.toString('utf8');
  if (cs === 'us-ascii' || cs === 'ascii' || cs === 'iso-8859-1' || cs === 'latin1') cs = 'windows-1252';
  let dec = decoders.get(cs);
  if (dec === undefined) {
    try {
      dec = new TextDecoder(cs, { fatal: false });
    } catch {
      dec = null;
    }
    if (decoders.size < 200) decoders.set(cs, dec); // bounded: charset names are sender-controlled
  }
  if (!dec) dec = decoders.get('windows-1252') ?? new TextDecoder('windows-1252');
  try {
    return dec.decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}
