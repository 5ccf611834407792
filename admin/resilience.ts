// A database outage must cost the admin a "temporarily unavailable" page, never the process.
// Three layers: a session store whose errors reach express-session's callback exactly once
// (connect-session-knex calls back, then rethrows as a rejection nobody awaits; its touch()
// rejects without calling back at all); an error page (503 + Retry-After) for database faults;
// and a process-level policy for the admin process that logs recoverable database faults
// escaping any library and keeps serving, and exits on anything else (the launcher restarts it).
import type { Request, Response, NextFunction } from 'express';
import session from 'express-session';
import { translator, fromAcceptLanguage, isSupported, DEFAULT_LANGUAGE } from './i18n';

/** Seconds a client is asked to wait before retrying while the database is away. */
export const RETRY_AFTER_SECONDS = 30;

// network faults between us and MariaDB, server going away, pool and lock timeouts, SQLite busy
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK', 'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED', 'SQLITE_BUSY', 'SQLITE_LOCKED',
]);

/** True for a fault of the database connection that goes away by itself (worth a 503, not a crash). */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; name?: unknown; fatal?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  // better-sqlite3 reports SQLite's extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE...)
  if (typeof e.code === 'string' && /^SQLITE_(BUSY|LOCKED)_/.test(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true; // pool acquire timeout under load or outage
  if (e.fatal === true) return true; // mysql2: the connection is dead, the pool replaces it
  if (typeof e.message === 'string' && /closed state|Connection lost/i.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

type Callback = (err?: unknown, value?: unknown) => void;

/** Calls `callback` once: later calls (a library calling back, then again from its catch) are dropped. */
function onceCallback(callback: Callback | undefined): Callback {
  let called = false;
  return (err?: unknown, value?: unknown) => {
    if (called) return;
    called = true;
    callback?.(err, value);
  };
}

/** Runs a store method so that its outcome reaches the callback exactly once and nothing throws or rejects. */
function settle(run: (cb: Callback) => unknown, callback: Callback | undefined): void {
  const cb = onceCallback(callback);
  try {
    const result = run(cb) as { then?: unknown } | undefined;
    if (result && typeof result.then === 'function') (result as Promise<unknown>).then(() => undefined, (err: unknown) => cb(err));
  } catch (err) {
    cb(err);
  }
}

interface ReadyStore extends session.Store {
  ready?: Promise<unknown>;
}

/**
 * Wraps a session store for express-session. The wrapped store's start-up check (`ready`) is
 * also defused: when the database is down at start it rejects once and would then fail every
 * later call; the table exists (migrations create it), so later calls simply go ahead.
 */
export function resilientSessionStore(inner: ReadyStore): session.Store {
  if (inner.ready) {
    inner.ready = inner.ready.catch((err: unknown) => {
      console.error(`admin: session store start-up check failed (${describe(err)}); going on`);
    });
  }
  class Resilient extends session.Store {
    get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
      settle((cb) => inner.get(sid, cb as never), callback as Callback);
    }
    set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
      settle((cb) => inner.set(sid, sess, cb), callback);
    }
    destroy(sid: string, callback?: (err?: unknown) => void): void {
      settle((cb) => inner.destroy(sid, cb), callback);
    }
    touch(sid: string, sess: session.SessionData, callback?: () => void): void {
      // express-session's touch callback takes an error too (it passes it to next)
      if (inner.touch) settle((cb) => inner.touch!(sid, sess, cb as () => void), callback as Callback);
      else callback?.();
    }
  }
  return new Resilient();
}

/** One line for the log: the code and the driver's message, without the SQL statement knex puts
 *  in front of it (its bindings may be a session id or a password hash). */
function describe(err: unknown): string {
  const e = err as { code?: string; message?: string } | undefined;
  const message = typeof e?.message === 'string' ? e.message.split(' - ').pop() : undefined;
  return [e?.code, message].filter(Boolean).join(' ') || String(err);
}

/**
 * Error middleware: a database fault answers 503 "temporarily unavailable" with Retry-After;
 * other errors go on to the app's error page. An error that comes after the page was sent
 * (express-session saving the session as the response ends) stops here: it is logged, and an
 * unfinished response is cut; rendering an error page then would throw outside any handler.
 */
export function unavailablePage(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    console.error(`admin: error after the response to ${req.method} ${req.path} was sent: ${describe(err)}`);
    if (!res.writableEnded) res.destroy();
    return;
  }
  if (!isDatabaseUnavailable(err)) return next(err);
  console.error(`admin: database unavailable for ${req.method} ${req.path}: ${describe(err)}`);
  const chosen = res.locals.lang as string | undefined;
  const lang = isSupported(chosen) ? chosen : fromAcceptLanguage(req.get('accept-language')) || DEFAULT_LANGUAGE;
  const t = translator(lang);
  res.status(503).set('Retry-After', String(RETRY_AFTER_SECONDS));
  // principal: null renders the bare layout, which needs neither the session nor the database
  res.render('error', { lang, t, principal: null, title: t('error.503'), status: 503, message: t('error.503_text') });
}

/**
 * The admin process's last line: a recoverable database fault that escapes a library (an
 * unhandled rejection, an 'error' event nobody listens to) is logged and the admin keeps
 * serving; anything else is a bug: logged, and the process exits so its supervisor restarts it.
 */
export function installProcessGuards(exit: (code: number) => void = (code) => process.exit(code)): void {
  const handle = (kind: string) => (err: unknown) => {
    if (isDatabaseUnavailable(err)) {
      console.error(`admin: ${kind} from a database fault, still serving: ${describe(err)}`);
      return;
    }
    console.error(`admin: ${kind}, exiting:`, err);
    exit(1);
  };
  process.on('unhandledRejection', handle('unhandled rejection'));
  process.on('uncaughtException', handle('uncaught exception'));
}
