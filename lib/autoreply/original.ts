// What an autoreply needs from the incoming message: raw header values (suppression rules),
// the decoded subject, Message-ID and References, and - only for body conditions - the
// decoded text, parsed with mailparser from a bounded prefix so a huge message costs little.
import { simpleParser } from 'mailparser';
import { htmlToText } from './text';

export interface OriginalInfo {
  header(name: string): string[]; // raw values, unfolded
  subject: string; // decoded (RFC 2047)
  messageId: string | null;
  references: string[];
  /** decoded body text (text part, else the HTML as text), computed once on demand */
  body(): Promise<string>;
}

export const BODY_PARSE_LIMIT = 2 * 1024 * 1024;
const HEADER_LIMIT = 256 * 1024;

function headerBlock(message: Buffer): Buffer {
  const crlf = message.indexOf('\r\n\r\n');
  const lf = message.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : message.length;
  return message.subarray(0, Math.min(end, HEADER_LIMIT));
}

export function parseHeaderBlock(block: Buffer): Map<string, string[]> {
  const text = block.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(m[2].trim());
  }
  return out;
}

export async function readOriginal(message: Buffer): Promise<OriginalInfo> {
  const block = headerBlock(message);
  const headers = parseHeaderBlock(block);
  const parsedHead = await simpleParser(Buffer.concat([block, Buffer.from('\r\n')]), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  const refs = parsedHead.references;
  let body: Promise<string> | undefined;
  return {
    header: (name) => headers.get(name.toLowerCase()) ?? [],
    subject: parsedHead.subject ?? '',
    messageId: parsedHead.messageId ?? null,
    references: Array.isArray(refs) ? refs : refs ? [refs] : [],
    body: () =>
      (body ??= simpleParser(message.subarray(0, BODY_PARSE_LIMIT), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, maxHtmlLengthToParse: BODY_PARSE_LIMIT })
        .then((p) => (p.text && p.text.trim() ? p.text : typeof p.html === 'string' ? htmlToText(p.html) : ''))
        .catch(() => '')),
  };
}
