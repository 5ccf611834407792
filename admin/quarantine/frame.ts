// The document of the preview's sandboxed frame (srcdoc). No HTML sanitiser is installed, so
// the HTML part is shown as its text, escaped: nothing of the sender's markup reaches the
// browser. The frame is sandboxed (no scripts, no same origin) and its own CSP, on top of
// the page's that it inherits, blocks every load (remote images, scripts, styles).
import ejs from 'ejs';

export const FRAME_CSP = "default-src 'none'";

export function frameDocument(text: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}"></head><body><pre>${ejs.escapeXML(text)}</pre></body></html>`;
}
