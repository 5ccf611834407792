// Small text helpers: HTML to plain text (the text part of an HTML reply, and body
// conditions on HTML-only mail) and the normalisation used by "contains" conditions.
import { htmlToText as linearHtmlToText } from '../spam';

/**
 * Plain text of HTML: the text part of an HTML reply, and "body contains" conditions on
 * HTML-only mail. The one linear pass of lib/spam/html (incoming HTML is hostile: a regex
 * pass over many "<" without ">" would stall the worker), then tidy whitespace.
 */
export function htmlToText(html: string): string {
  return linearHtmlToText(String(html), 1024 * 1024)
    .text.replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Case-insensitive, whitespace-collapsed, NFC form for "contains" conditions. */
export function matchForm(s: string): string {
  return String(s ?? '')
    .normalize('NFC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** One line, safe in a header: CR, LF and NUL become spaces (neutralised at send time). */
export function oneLine(s: string): string {
  return String(s ?? '')
    .replace(/[\r\n\u0000]+/g, ' ')
    .replace(/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
}
