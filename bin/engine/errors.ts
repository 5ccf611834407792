// Bad command-line input: `mailhost` prints it on one line and exits 2.
export class UsageError extends Error {}

/** "a", "a or b", "a, b or c" */
export function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
