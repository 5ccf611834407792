// Lost password: a single-use link, valid one hour, sent to the login's recovery address
// (mailboxes.recovery_email, accounts.email). The request answers the same whether the login
// exists, has a recovery address or not (nothing to learn by asking); it is throttled per login
// asked for and per IP. Only the SHA-256 of the token is stored. Using the link sets the new
// password, spends every link of that login and ends all its sessions.
import crypto from 'node:crypto';
import { type Db, invalid, passwordProblem, tryParseAddress } from '../core';
import { updateMailbox } from '../directory';
import { getAccount, updateAccount, principalKey, recordLoginSuccess, recordResetRequest, resetThrottled } from './accounts';
import { endSessionsOf } from './sessions';
import { ownerPermissions } from './permissions';

export const RESET_LINK_MS = 60 * 60 * 1000;

/** What the caller mails (it knows the language's texts and how mail is sent). */
export interface ResetMail {
  to: string;
  login: string;
  language: string | null;
  /** the token to put in the link (/password/reset/<token>) */
  token: string;
}

interface ResetOwner {
  kind: 'account' | 'mailbox';
  id: number;
  login: string;
  recovery: string;
  language: string | null;
}

const ownerMayChangePassword = async (db: Db, mailboxId: number) => (await ownerPermissions(db, mailboxId)).has('password');

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** The active login named `login` (an account username or a mailbox address), with its recovery address. */
async function findOwner(db: Db, login: string): Promise<ResetOwner | null> {
  const account = await db('accounts').where({ username: login }).first();
  if (account) return account.active ? { kind: 'account', id: Number(account.id), login, recovery: String(account.email ?? ''), language: account.language ?? null } : null;
  const addr = tryParseAddress(login);
  if (!addr) return null;
  const mb = await db('mailboxes as m').join('domains as d', 'd.id', 'm.domain_id').where('m.address', addr.address).first('m.*', 'd.active as domain_active');
  if (!mb || !mb.active || !mb.domain_active) return null;
  if (!(await ownerMayChangePassword(db, Number(mb.id)))) return null; // a reset is a change of password
  return { kind: 'mailbox', id: Number(mb.id), login: addr.address, recovery: String(mb.recovery_email ?? ''), language: mb.language ?? null };
}

/**
 * A lost-password request for `loginInput` from `ip`: 'throttled', or 'accepted' whatever
 * happened (a link was mailed through `deliver` only when the login exists and has a recovery
 * address). A failure of `deliver` propagates (the caller logs it and still answers the same).
 */
export async function requestPasswordReset(
  db: Db,
  loginInput: string,
  ip: string,
  deliver: (mail: ResetMail) => Promise<void>,
  now = Date.now(),
): Promise<'accepted' | 'throttled'> {
  const raw = String(loginInput ?? '').trim().toLowerCase().slice(0, 320);
  const login = tryParseAddress(raw)?.address ?? raw;
  if (await resetThrottled(db, login, ip, now)) return 'throttled';
  await recordResetRequest(db, login, ip, now);
  const owner = login ? await findOwner(db, login) : null;
  if (!owner || !owner.recovery) return 'accepted';
  const token = crypto.randomBytes(32).toString('base64url');
  await db('password_resets').insert({ token_hash: hashToken(token), owner_kind: owner.kind, owner_id: owner.id, created_ms: now, expires_ms: now + RESET_LINK_MS });
  // forget links long dead
  await db('password_resets').where('expires_ms', '<', now - 24 * RESET_LINK_MS).delete();
  await deliver({ to: owner.recovery, login: owner.login, language: owner.language, token });
  return 'accepted';
}

/** The login a link is valid for, or null (unknown, spent or expired token). */
export async function resetLinkOwner(db: Db, token: string, now = Date.now()): Promise<{ kind: 'account' | 'mailbox'; id: number; login: string } | null> {
  if (typeof token !== 'string' || !/^[\w-]{20,100}$/.test(token)) return null;
  const row = await db('password_resets').where({ token_hash: hashToken(token) }).whereNull('used_ms').where('expires_ms', '>', now).first();
  if (!row) return null;
  const kind = row.owner_kind === 'mailbox' ? 'mailbox' : 'account';
  const id = Number(row.owner_id);
  const login = kind === 'account' ? (await getAccount(db, id).catch(() => null))?.username : (await db('mailboxes').where({ id }).first('address'))?.address;
  return login ? { kind, id, login: String(login) } : null;
}

/**
 * Sets the new password through a link: checks it (and its confirmation), spends the link
 * (once: two uses at the same moment cannot both succeed), then ends every session of that
 * login. The link's holder proved they own the recovery address: `ip` counts as a known source
 * of the login (its failed logins forgiven, as after a successful login), so someone else's
 * failures cannot keep the owner out. Throws invalid('token') for an unusable link,
 * invalid('password'...) for a bad password.
 */
export async function resetPassword(db: Db, token: string, password: string, confirm: string, ip: string, now = Date.now()): Promise<{ login: string }> {
  const owner = await resetLinkOwner(db, token, now);
  if (!owner) throw invalid('token', 'this link is not valid (used, expired or unknown)');
  // the permission taken away since the link was sent
  if (owner.kind === 'mailbox' && !(await ownerMayChangePassword(db, owner.id))) throw invalid('token', 'this link is not valid (used, expired or unknown)');
  const problem = passwordProblem(password);
  if (problem) throw invalid('password', problem);
  if (password !== confirm) throw invalid('password_confirm', 'the two passwords differ');
  const spent = await db('password_resets').where({ token_hash: hashToken(token) }).whereNull('used_ms').update({ used_ms: now });
  if (Number(spent) !== 1) throw invalid('token', 'this link is not valid (used, expired or unknown)');
  await db('password_resets').where({ owner_kind: owner.kind, owner_id: owner.id }).whereNull('used_ms').update({ used_ms: now });
  if (owner.kind === 'account') await updateAccount(db, owner.id, { password });
  else await updateMailbox(db, owner.id, { password });
  await endSessionsOf(db, principalKey({ role: owner.kind === 'account' ? 'admin' : 'user', id: owner.id, username: owner.login, name: '', language: null }));
  await recordLoginSuccess(db, owner.login, ip, now);
  return { login: owner.login };
}
