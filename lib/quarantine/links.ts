// Signed one-click links of the digest. A token says: do ACTION on quarantine row ROW of
// mailbox MAILBOX until EXPIRY, and carries an HMAC-SHA256 of exactly that under a secret
// generated once into the data dir (every node sharing the data dir signs alike). Changing any
// part breaks the signature; the server also checks that the row still belongs to that
// mailbox. A link never acts on GET (mail scanners follow links): the page asks, POST acts.
import crypto from 'node:crypto';
import { dataSecret, type Settings } from '../core';

export const LINK_ACTIONS = ['release', 'preview', 'report', 'accept_newsletter'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** Default life of a digest link. */
export const LINK_TTL_DAYS = 14;

export interface LinkClaims {
  action: LinkAction;
  row: number;
  mailbox: number;
  expiresMs: number;
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/** The links' secret: MAILHOST_LINK_SECRET when given, else generated once into the data dir. */
export function linkSecret(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return dataSecret(dataDir, 'quarantine-links', env.MAILHOST_LINK_SECRET || undefined);
}

/** Where people reach the admin (links in mail): MAILHOST_PUBLIC_URL, else the admin's listen address. */
export function publicBaseUrl(settings: Settings, env: NodeJS.ProcessEnv = process.env): string {
  const given = (env.MAILHOST_PUBLIC_URL ?? '').trim().replace(/\/+$/, '');
  if (given) return given;
  const { host, port } = settings.httpListen;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function payloadOf(c: LinkClaims): string {
  return `${c.action}.${c.row}.${c.mailbox}.${c.expiresMs}`;
}

function mac(secret: string, payload: string): Buffer {
  // the "link:" prefix keeps this key's signatures apart from any other use of HMAC
  return crypto.createHmac('sha256', secret).update(`link:${payload}`).digest();
}

export function signLink(secret: string, claims: LinkClaims): string {
  const payload = payloadOf(claims);
  return `${Buffer.from(payload).toString('base64url')}.${mac(secret, payload).toString('base64url')}`;
}

/** A link's claims for a digest row, valid `ttlDays` from `now`. */
export function linkFor(secret: string, action: LinkAction, row: number, mailbox: number, now = Date.now(), ttlDays = LINK_TTL_DAYS): string {
  return signLink(secret, { action, row, mailbox, expiresMs: now + ttlDays * 86_400_000 });
}

export function verifyLink(secret: string, token: string, now = Date.now()): LinkCheck {
  const m = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/.exec(String(token ?? ''));
  if (!m) return { ok: false, reason: 'malformed' };
  const payload = Buffer.from(m[1], 'base64url').toString('utf8');
  const given = Buffer.from(m[2], 'base64url');
  const want = mac(secret, payload);
  if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) return { ok: false, reason: 'signature' };
  const p = /^([a-z_]+)\.(\d{1,12})\.(\d{1,12})\.(\d{1,16})$/.exec(payload);
  if (!p || !(LINK_ACTIONS as readonly string[]).includes(p[1])) return { ok: false, reason: 'malformed' };
  const claims: LinkClaims = { action: p[1] as LinkAction, row: Number(p[2]), mailbox: Number(p[3]), expiresMs: Number(p[4]) };
  if (claims.expiresMs <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
