// The admin's open sessions, read from the `sessions` table that connect-session-knex writes
// (sid, sess = the express-session object as JSON, expired). Who is logged in is passport's
// `sess.passport.user` (principalKey); where from and since when is `sess.login`, written by
// admin/auth.ts at login. Ending a session deletes its row: its cookie then finds no session.
import crypto from 'node:crypto';
import type { Db } from '../core';
import type { Principal } from './accounts';

/** What admin/auth.ts stores in the session at login. */
export interface LoginRecord {
  ip: string;
  userAgent: string;
  atMs: number;
}

export interface SessionInfo {
  /** stands for the session in pages and forms (a hash: the session id itself never leaves the server) */
  handle: string;
  sid: string;
  /** principalKey of who is logged in ("account:12", "user:34") */
  principal: string;
  ip: string;
  userAgent: string;
  loginMs: number | null;
  /** the last request (rolling sessions: expiry minus the cookie's lifetime) */
  lastMs: number | null;
  expiresMs: number;
}

export function sessionHandle(sid: string): string {
  return crypto.createHash('sha256').update(`session:${sid}`).digest('hex').slice(0, 24);
}

/** SQLite holds the ISO text the store wrote; MariaDB a DATETIME in UTC (a Date or its text). */
function epochMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const s = String(value ?? '');
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

function parse(row: { sid: string; sess: unknown; expired: unknown }): SessionInfo | null {
  let sess: { passport?: { user?: unknown }; login?: Partial<LoginRecord>; cookie?: { originalMaxAge?: unknown } };
  try {
    sess = typeof row.sess === 'string' ? JSON.parse(row.sess) : (row.sess as typeof sess);
  } catch {
    return null;
  }
  const principal = sess?.passport?.user;
  if (typeof principal !== 'string') return null; // a visitor's session (login page, language)
  const expiresMs = epochMs(row.expired);
  const maxAge = Number(sess.cookie?.originalMaxAge);
  return {
    handle: sessionHandle(row.sid),
    sid: row.sid,
    principal,
    ip: String(sess.login?.ip ?? ''),
    userAgent: String(sess.login?.userAgent ?? ''),
    loginMs: Number.isFinite(sess.login?.atMs) ? Number(sess.login!.atMs) : null,
    lastMs: Number.isFinite(maxAge) && maxAge > 0 ? expiresMs - maxAge : null,
    expiresMs,
  };
}

/**
 * The logged-in sessions that have not expired, the most recently used first; of one principal
 * when `principal` (a principalKey) is given. The LIKE narrows the rows read; the parsed JSON decides.
 */
export async function listSessions(db: Db, opts: { principal?: string } = {}, now = Date.now()): Promise<SessionInfo[]> {
  const q = db('sessions').select('sid', 'sess', 'expired');
  q.where('sess', 'like', opts.principal ? `%"user":${JSON.stringify(opts.principal)}%` : '%"passport":%');
  const all = (await q).map(parse).filter((s): s is SessionInfo => !!s && s.expiresMs > now);
  return all.filter((s) => !opts.principal || s.principal === opts.principal).sort((a, b) => (b.lastMs ?? 0) - (a.lastMs ?? 0));
}

/** Ends the session `handle` among those of `principal` (every session when null: an admin); false when there is none. */
export async function endSession(db: Db, handle: string, principal: string | null): Promise<boolean> {
  const found = (await listSessions(db, principal ? { principal } : {})).find((s) => s.handle === handle);
  if (!found) return false;
  await db('sessions').where({ sid: found.sid }).delete();
  return true;
}

/** Ends every session of `principal` but `exceptSid` (the one asking); returns how many ended. */
export async function endSessionsOf(db: Db, principal: string, exceptSid?: string): Promise<number> {
  const sids = (await listSessions(db, { principal })).map((s) => s.sid).filter((sid) => sid !== exceptSid);
  if (sids.length) await db('sessions').whereIn('sid', sids).delete();
  return sids.length;
}

/** True when this login refuses simultaneous sessions (accounts/mailboxes.single_session). */
export async function wantsSingleSession(db: Db, p: Principal): Promise<boolean> {
  const row = await db(p.role === 'user' ? 'mailboxes' : 'accounts').where({ id: p.id }).first('single_session');
  return !!row?.single_session;
}

/** Turns the single-session option of a login on or off. */
export async function setSingleSession(db: Db, kind: 'account' | 'mailbox', id: number, on: boolean): Promise<void> {
  await db(kind === 'mailbox' ? 'mailboxes' : 'accounts').where({ id }).update({ single_session: on });
}

/** "Firefox on Linux": enough to recognise one's own devices in the list. */
export function browserOf(userAgent: string): string {
  const ua = userAgent || '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /OPR\//.test(ua) ? 'Opera' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  if (!browser && !os) return ua.slice(0, 60);
  return [browser, os].filter(Boolean).join(' / ');
}
