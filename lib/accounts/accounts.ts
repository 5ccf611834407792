// Admin and client accounts of the web admin, the login of all three roles (admin, client,
// mailbox user) with throttling stored in the database (shared by every admin node), and the
// first admin created on first start.
import { type Db, hashPassword, verifyPassword, passwordProblem, generatePassword, invalid, notFound, conflict, forbidden, isUniqueViolation, tryParseAddress } from '../core';
import { updateMailbox } from '../directory';

export type AccountRole = 'admin' | 'client';
export const ACCOUNT_ROLES: AccountRole[] = ['admin', 'client'];
export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface AccountRow {
  id: number;
  username: string;
  role: AccountRole;
  name: string;
  email: string;
  language: string | null;
  active: boolean;
}

export function toAccount(row: Record<string, unknown>): AccountRow {
  return {
    id: Number(row.id),
    username: String(row.username),
    role: row.role === 'admin' ? 'admin' : 'client',
    name: String(row.name ?? ''),
    email: String(row.email ?? ''),
    language: (row.language as string | null) ?? null,
    active: !!row.active,
  };
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function requireUsername(input: string): string {
  const u = String(input ?? '').trim().toLowerCase();
  if (!USERNAME.test(u)) throw invalid('username', 'username must be 2 to 64 characters: letters, digits, dot, dash, underscore');
  return u;
}

export function requireLanguage(input: unknown, field = 'language'): Language | null {
  if (input === null || input === undefined || input === '') return null;
  if (!(LANGUAGES as readonly string[]).includes(String(input))) throw invalid(field, `language must be one of ${LANGUAGES.join(', ')}`);
  return input as Language;
}

function requireRole(input: unknown): AccountRole {
  if (input !== 'admin' && input !== 'client') throw invalid('role', 'role must be admin or client');
  return input;
}

function requireEmail(input: unknown): string {
  const s = String(input ?? '').trim();
  if (!s) return '';
  const a = tryParseAddress(s);
  if (!a) throw invalid('email', `invalid address "${s}"`);
  return a.address;
}

export interface AccountInput {
  username: string;
  role: AccountRole;
  password?: string;
  generatePassword?: boolean;
  name?: string;
  email?: string;
  language?: string | null;
  active?: boolean;
}

/** Creates an account; returns the generated password when one was asked for (or none given). */
export async function createAccount(db: Db, input: AccountInput): Promise<{ account: AccountRow; password?: string }> {
  const username = requireUsername(input.username);
  const role = requireRole(input.role);
  let password = input.password;
  let generated: string | undefined;
  if (input.generatePassword || password === undefined || password === '') {
    generated = password = generatePassword();
  }
  const problem = passwordProblem(password);
  if (problem) throw invalid('password', problem);
  const row = {
    username,
    role,
    password_hash: await hashPassword(password),
    name: String(input.name ?? '').trim().slice(0, 190),
    email: requireEmail(input.email),
    language: requireLanguage(input.language),
    active: input.active ?? true,
  };
  if (await db('accounts').where({ username }).first('id')) throw conflict('username', `${username} already exists`);
  try {
    const [id] = await db('accounts').insert(row);
    return { account: await getAccount(db, Number(id)), password: generated };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('username', `${username} already exists`);
    throw err;
  }
}

export async function getAccount(db: Db, usernameOrId: string | number): Promise<AccountRow> {
  const row =
    typeof usernameOrId === 'number'
      ? await db('accounts').where({ id: usernameOrId }).first()
      : await db('accounts').where({ username: String(usernameOrId).trim().toLowerCase() }).first();
  if (!row) throw notFound(`account ${usernameOrId} does not exist`);
  return toAccount(row);
}

/** The id of the client account `username` (a domain can belong only to a client). */
export async function requireClient(db: Db, username: string): Promise<number> {
  const account = await getAccount(db, username).catch(() => {
    throw invalid('client', `no client account named "${username}"`);
  });
  if (account.role !== 'client') throw invalid('client', `${account.username} is an ${account.role} account, not a client`);
  return account.id;
}

export interface AccountPatch {
  password?: string;
  name?: string;
  email?: string;
  language?: string | null;
  active?: boolean;
  role?: AccountRole;
}

async function activeAdminCount(db: Db, exceptId: number): Promise<number> {
  const [{ n }] = await db('accounts').where({ role: 'admin', active: true }).whereNot({ id: exceptId }).count({ n: '*' });
  return Number(n);
}

export async function updateAccount(db: Db, id: number, patch: AccountPatch): Promise<AccountRow> {
  const account = await getAccount(db, id);
  const set: Record<string, unknown> = { updated_at: db.fn.now() };
  if (patch.password !== undefined) {
    const problem = passwordProblem(patch.password);
    if (problem) throw invalid('password', problem);
    set.password_hash = await hashPassword(patch.password);
  }
  if (patch.name !== undefined) set.name = patch.name.trim().slice(0, 190);
  if (patch.email !== undefined) set.email = requireEmail(patch.email);
  if (patch.language !== undefined) set.language = requireLanguage(patch.language);
  if (patch.role !== undefined) set.role = requireRole(patch.role);
  if (patch.active !== undefined) set.active = patch.active;
  const losesAdmin = account.role === 'admin' && account.active && (set.role === 'client' || set.active === false);
  if (losesAdmin && (await activeAdminCount(db, id)) === 0) throw forbidden('the last active admin cannot be demoted or deactivated');
  await db('accounts').where({ id }).update(set);
  return getAccount(db, id);
}

export async function deleteAccount(db: Db, id: number): Promise<void> {
  const account = await getAccount(db, id);
  if (account.role === 'admin' && (await activeAdminCount(db, id)) === 0) throw forbidden('the last active admin cannot be deleted');
  // domains of a deleted client stay, without owner (domains.client_id ON DELETE SET NULL)
  await db('accounts').where({ id }).delete();
}

export async function listAccounts(db: Db, opts: { role?: AccountRole } = {}): Promise<AccountRow[]> {
  const q = db('accounts').orderBy('username');
  if (opts.role) q.where({ role: opts.role });
  return (await q).map(toAccount);
}

/**
 * On first start: when no admin account exists, creates `admin` with MAILHOST_ADMIN_PASSWORD
 * or a generated password. Returns what to print once, or null when an admin already exists.
 */
export async function ensureInitialAdmin(
  db: Db,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ username: string; password: string; generated: boolean } | null> {
  const existing = await db('accounts').where({ role: 'admin' }).first('id');
  if (existing) return null;
  const username = env.MAILHOST_ADMIN_USER ? requireUsername(env.MAILHOST_ADMIN_USER) : 'admin';
  const given = env.MAILHOST_ADMIN_PASSWORD || undefined;
  try {
    const { password } = await createAccount(db, { username, role: 'admin', password: given, generatePassword: !given, name: 'Administrator' });
    return { username, password: password ?? given!, generated: !given };
  } catch (err) {
    // another admin node created it at the same moment
    if ((err as { code?: string }).code === 'conflict' && (await db('accounts').where({ role: 'admin' }).first('id'))) return null;
    throw err;
  }
}

// ---------------------------------------------------------------- login

/** Who is logged in: an account (admin/client) or a mailbox owner (user). */
export interface Principal {
  role: 'admin' | 'client' | 'user';
  /** accounts.id for admin/client, mailboxes.id for user */
  id: number;
  /** account username, or the mailbox address for a user */
  username: string;
  name: string;
  language: string | null;
}

/**
 * Failed logins allowed per window before a login is refused without checking the password.
 * Counted per source (one account from one IP) so that an attacker cannot lock the real owner
 * out; per IP across accounts (password spraying); and per account from everywhere (an attack
 * spread over many IPs), where a source that logged in to that account before still gets in.
 */
export const LOGIN_LIMITS = {
  windowMs: 15 * 60 * 1000,
  perSource: 5,
  perIp: 30,
  perAccount: 50,
  /** how long a successful login keeps its IP "known" for that account */
  knownSourceMs: 90 * 24 * 3600 * 1000,
};

export type LoginResult = { ok: true; principal: Principal } | { ok: false; reason: 'invalid' | 'throttled' };

// 'reset' and 'resetip' count lost-password requests (per login asked for, per IP)
type FailureScope = 'account' | 'ip' | 'source' | 'known' | 'reset' | 'resetip';
const sourceKey = (login: string, ip: string) => `${ip.slice(0, 60)} ${login}`.slice(0, 320);

async function countSince(db: Db, scope: FailureScope, key: string, since: number): Promise<number> {
  const [{ n }] = await db('login_failures').where({ scope, key }).where('at_ms', '>', since).count({ n: '*' });
  return Number(n);
}

/** True while this login from this IP must wait (see LOGIN_LIMITS). */
export async function loginThrottled(db: Db, login: string, ip: string, now = Date.now()): Promise<boolean> {
  const since = now - LOGIN_LIMITS.windowMs;
  const [source, fromIp, account] = await Promise.all([
    countSince(db, 'source', sourceKey(login, ip), since),
    countSince(db, 'ip', ip, since),
    countSince(db, 'account', login, since),
  ]);
  if (source >= LOGIN_LIMITS.perSource || fromIp >= LOGIN_LIMITS.perIp) return true;
  if (account < LOGIN_LIMITS.perAccount) return false;
  return (await countSince(db, 'known', sourceKey(login, ip), now - LOGIN_LIMITS.knownSourceMs)) === 0;
}

/** A failed login, counted for the account, the IP and the pair; old failures are forgotten. */
export async function recordLoginFailure(db: Db, login: string, ip: string, now = Date.now()): Promise<void> {
  await db('login_failures').insert([
    { scope: 'account', key: login.slice(0, 320), at_ms: now },
    { scope: 'ip', key: ip.slice(0, 320), at_ms: now },
    { scope: 'source', key: sourceKey(login, ip), at_ms: now },
  ]);
  // keep the table small: forget failures older than the window
  await db('login_failures').whereNot({ scope: 'known' }).where('at_ms', '<', now - LOGIN_LIMITS.windowMs).delete();
}

/** Lost-password requests allowed per LOGIN_LIMITS.windowMs: per login asked for, and per IP. */
export const RESET_LIMITS = { perLogin: 3, perIp: 10 };

/** True when one more lost-password request for `login` from `ip` must wait. */
export async function resetThrottled(db: Db, login: string, ip: string, now = Date.now()): Promise<boolean> {
  const since = now - LOGIN_LIMITS.windowMs;
  const [forLogin, fromIp] = await Promise.all([countSince(db, 'reset', login.slice(0, 320), since), countSince(db, 'resetip', ip.slice(0, 320), since)]);
  return forLogin >= RESET_LIMITS.perLogin || fromIp >= RESET_LIMITS.perIp;
}

/** A lost-password request, counted like a failed login (and forgotten with them after the window). */
export async function recordResetRequest(db: Db, login: string, ip: string, now = Date.now()): Promise<void> {
  await db('login_failures').insert([
    { scope: 'reset', key: login.slice(0, 320), at_ms: now },
    { scope: 'resetip', key: ip.slice(0, 320), at_ms: now },
  ]);
}

/** A successful login: the pair's failures are forgiven and the IP becomes known for the account. */
export async function recordLoginSuccess(db: Db, login: string, ip: string, now = Date.now()): Promise<void> {
  const key = sourceKey(login, ip);
  await db('login_failures').whereIn('scope', ['source', 'known']).where({ key }).delete();
  await db('login_failures').insert({ scope: 'known', key, at_ms: now });
  await db('login_failures').where({ scope: 'known' }).where('at_ms', '<', now - LOGIN_LIMITS.knownSourceMs).delete();
}

export function principalOfAccount(a: AccountRow): Principal {
  return { role: a.role, id: a.id, username: a.username, name: a.name || a.username, language: a.language };
}

export function principalOfMailbox(m: Record<string, unknown>): Principal {
  return { role: 'user', id: Number(m.id), username: String(m.address), name: String(m.name || m.address), language: (m.language as string | null) ?? null };
}

/**
 * Checks a login for any role: an account username, or a mailbox address with the mailbox
 * password. Inactive accounts, mailboxes and domains cannot log in.
 */
export async function authenticate(db: Db, loginInput: string, password: string, ip: string, now = Date.now()): Promise<LoginResult> {
  const login = String(loginInput ?? '').trim().toLowerCase().slice(0, 320);
  if (!login || typeof password !== 'string' || !password) return { ok: false, reason: 'invalid' };
  // throttled per mailbox, not per spelling: <u@x>, "u"@x and u@x. all count for u@x
  const key = tryParseAddress(login)?.address ?? login;
  if (await loginThrottled(db, key, ip, now)) return { ok: false, reason: 'throttled' };
  let principal: Principal | null = null;
  const account = await db('accounts').where({ username: login }).first();
  if (account) {
    if (account.active && (await verifyPassword(password, account.password_hash))) principal = principalOfAccount(toAccount(account));
  } else {
    const addr = tryParseAddress(login);
    const mailbox = addr
      ? await db('mailboxes as m').join('domains as d', 'd.id', 'm.domain_id').where('m.address', addr.address).first('m.*', 'd.active as domain_active')
      : undefined;
    if (mailbox && mailbox.active && mailbox.domain_active && (await verifyPassword(password, mailbox.password_hash))) {
      principal = principalOfMailbox(mailbox);
    }
  }
  if (!principal) {
    await recordLoginFailure(db, key, ip, now);
    return { ok: false, reason: 'invalid' };
  }
  await recordLoginSuccess(db, key, ip, now);
  return { ok: true, principal };
}

/** Reloads a logged-in principal from its session key ("account:12", "user:34"); null when gone or inactive. */
export async function loadPrincipal(db: Db, key: string): Promise<Principal | null> {
  const m = /^(account|user):(\d+)$/.exec(String(key));
  if (!m) return null;
  const id = Number(m[2]);
  if (m[1] === 'account') {
    const row = await db('accounts').where({ id }).first();
    return row && row.active ? principalOfAccount(toAccount(row)) : null;
  }
  const row = await db('mailboxes as m').join('domains as d', 'd.id', 'm.domain_id').where('m.id', id).first('m.*', 'd.active as domain_active');
  return row && row.active && row.domain_active ? principalOfMailbox(row) : null;
}

export function principalKey(p: Principal): string {
  return `${p.role === 'user' ? 'user' : 'account'}:${p.id}`;
}

export { generatePassword };

/** Stores the interface language chosen by whoever is logged in (accounts.language or mailboxes.language). */
export async function setPrincipalLanguage(db: Db, p: Principal, language: string): Promise<void> {
  const lang = requireLanguage(language);
  if (!lang) throw invalid('language', 'choose a language');
  if (p.role === 'user') await updateMailbox(db, p.id, { language: lang });
  else await updateAccount(db, p.id, { language: lang });
}
