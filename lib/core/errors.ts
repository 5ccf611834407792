// Errors carry a stable code and, for bad input, the field at fault, so the CLI prints
// one line, the admin shows it next to the field, and plugins map codes to SMTP replies.
export type ErrorCode =
  | 'invalid' // bad input: field says which
  | 'not_found'
  | 'conflict' // already exists
  | 'forbidden' // e.g. deleting postmaster@
  | 'temporary'; // database or disk fault: retry later

export class MailhostError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'MailhostError';
  }
}

export const invalid = (field: string, message: string) => new MailhostError('invalid', message, field);
export const notFound = (message: string) => new MailhostError('not_found', message);
export const conflict = (field: string, message: string) => new MailhostError('conflict', message, field);
export const forbidden = (message: string) => new MailhostError('forbidden', message);

/** True for unique-constraint violations on SQLite and MariaDB. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string };
  return e?.code === 'ER_DUP_ENTRY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e?.message ?? '');
}
