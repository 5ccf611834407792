// The document of the preview's sandboxed frame (srcdoc): the HTML part as lib/quarantine
// sanitised it (structure and text only). The frame is sandboxed (no scripts, no same origin)
// and its own CSP, on top of the page's that it inherits, blocks every load (remote images,
// scripts, styles, fonts), so even a sanitiser bug could not fetch or run anything.
export const FRAME_CSP = "default-src 'none'";

export function frameDocument(safeHtml: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}"></head><body>${safeHtml}</body></html>`;
}
