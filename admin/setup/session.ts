// Sessions in the shared database (every admin node sees them), under one cookie that lasts a
// working day and is renewed while in use.
import session from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { RequestHandler } from 'express';
import { type Db, dataSecret, type Settings } from '../../lib/core';
import { resilientSessionStore } from '../resilience';

export const SESSION_COOKIE = 'mailhost.sid';
const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000; // a working day

export interface SessionOptions {
  db: Db;
  settings: Settings;
  sessionSecret?: string;
  secureCookies?: boolean;
  sessionCleanupMs?: number;
}

/** The session middleware and its store (whose cleanup timer the owner stops at shutdown). */
export function sessions(opts: SessionOptions): { middleware: RequestHandler; store: ConnectSessionKnexStore } {
  const store = new ConnectSessionKnexStore({ knex: opts.db, tableName: 'sessions', createTable: false, cleanupInterval: opts.sessionCleanupMs ?? 15 * 60 * 1000 });
  const middleware = session({
    name: SESSION_COOKIE,
    secret: opts.sessionSecret ?? dataSecret(opts.settings.dataDir, 'session', process.env.MAILHOST_SESSION_SECRET),
    // errors of the store reach express-session once, never thrown (a dead database killed the admin)
    store: resilientSessionStore(store),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: !!opts.secureCookies, maxAge: SESSION_MAX_AGE_MS, path: '/' },
  });
  return { middleware, store };
}

/** Stops the store's periodic cleanup (so a stopped admin leaves no timer behind). */
export function stopSessionCleanup(store: ConnectSessionKnexStore): void {
  if (store.nextDbCleanup) clearTimeout(store.nextDbCleanup);
}
