// Reading a posted form body (urlencoded or multipart, see admin/multipart.ts).

/** The text of one input: repeated inputs joined by newlines, '' when absent or a file. */
export function bodyText(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (Array.isArray(v)) return v.map(String).join('\n');
  if (v != null && typeof v === 'object') return ''; // a file where text was expected
  return v == null ? '' : String(v);
}
