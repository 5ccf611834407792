// The HTML part of a held message made safe to show (sanitize-html, an allowlist parser, never
// regexes): structure and text formatting only. No script, style, form, frame or object; no
// attribute that loads or links anything (no src, no href, no style, no event handler), so
// nothing is fetched and nothing can be followed; images become their alt text. The page shows
// the result in a sandboxed frame under a CSP that blocks every load, as a second wall.
import sanitizeHtml from 'sanitize-html';

const TAGS = [
  'p', 'div', 'span', 'br', 'hr', 'b', 'strong', 'i', 'em', 'u', 's', 'small', 'sub', 'sup', 'blockquote', 'pre', 'code',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'a', 'font', 'center',
];

export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: TAGS,
    allowedAttributes: { td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
    allowedSchemes: [],
    // the content of these is dropped too, not shown as text
    nonTextTags: ['style', 'script', 'textarea', 'option', 'noscript', 'title', 'head'],
    transformTags: {
      img: (_tag, attribs) => ({ tagName: 'span', attribs: {}, text: attribs.alt ? `[${attribs.alt}]` : '' }),
    },
  });
}
