// Errors to pages, in one place. A request that fails answers with the status its error maps
// to and the translated error page:
//   HttpError (the engine's own 404 for anything out of scope)    -> its status
//   a lib MailhostError that escaped a page                       -> LIB_STATUS by its stable code
//   a stale or missing CSRF token                                 -> 403
//   a 4xx of the body parsers (413 too large, 400 bad multipart)  -> that status
//   anything else                                                 -> 500, logged
// Lib errors a form can show (bad input, conflicts) never get here: the form catches them
// (expectedError) and shows them next to the field. To add a page for a status (e.g. 503
// for 'temporary'), add the code to LIB_STATUS and the status to PAGES with its locale keys.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { MailhostError, type ErrorCode } from '../../lib/core';
import { translator, DEFAULT_LANGUAGE, type T } from '../i18n';

/** An HTTP answer decided by the engine. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message = 'Not found',
    /** the error page to show when not the status's own (PAGES) */
    readonly page?: string,
  ) {
    super(message);
  }
}

/** Out of scope, unknown or not permitted: the same 404, so nothing leaks. */
export const notFoundHttp = () => new HttpError(404);

/** A row in scope, but a change its permissions refuse (e.g. what a mailbox owner may not change). */
export const forbiddenHttp = () => new HttpError(403, 'Forbidden', 'forbidden');

/** Status of a lib error that reached the error handler; codes not listed are faults (500). */
const LIB_STATUS: Partial<Record<ErrorCode, number>> = { not_found: 404 };

/** Error pages by status (locale keys error.<page> and error.<page>_text); others show '500'. */
const PAGES: Record<number, string> = { 403: '403', 404: '404', 413: '413' };

export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof MailhostError) return LIB_STATUS[err.code] ?? 500;
  const e = err as { code?: string; status?: unknown } | undefined;
  if (e?.code === 'EBADCSRFTOKEN') return 403;
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return e.status;
  return 500;
}

/** The error page for a status, in the request's language (English when it failed before that was known). */
export function renderError(res: Response, status: number, own?: string): void {
  const t: T = res.locals.t ?? translator(DEFAULT_LANGUAGE);
  if (!res.locals.t) {
    res.locals.t = t;
    res.locals.lang = DEFAULT_LANGUAGE;
  }
  const page = own ?? PAGES[status] ?? '500';
  res.status(status).render('error', { title: t(`error.${page}`), status, message: t(`error.${page}_text`) });
}

/** Last route: nothing matched. */
export const notFoundPage: RequestHandler = (_req, res) => renderError(res, 404);

/** The one Express error handler (registered last). */
export const errorPage: ErrorRequestHandler = (err, _req, res, _next) => {
  void _next; // Express recognises an error handler by its four parameters
  const status = statusOf(err);
  if (status === 500) console.error('admin:', err);
  renderError(res, status, err instanceof HttpError ? err.page : undefined);
};

/** A lib error a page shows to the user (next to a field, in a flash); anything else is rethrown. */
export function expectedError(err: unknown): MailhostError {
  if (err instanceof MailhostError) return err;
  throw err;
}
