// Mailboxes: creation with a Dovecot-style password hash, settings, listing, deletion.
import { type Db, bumpGeneration, addressSortKey, parseAddress, AddressError, isValidLocalPart, hashPassword, passwordProblem, generatePassword, invalid, notFound, conflict, forbidden, isUniqueViolation } from '../core';
import { getDomain, quotaMb, ROLE_LOCAL_PARTS } from './domains';
import { noteRecount } from './usage';
import { replaceUsage } from './usageWrites';

export interface MailboxRow {
  id: number;
  domain_id: number;
  address: string;
  local_part: string;
  name: string;
  quota_mb: number;
  used_bytes: number;
  active: boolean;
  keep_copy: boolean;
  redirect_to: string[];
  language: string | null;
  recovery_email: string | null;
  spam_policy_id: number | null;
  /** false: the server-wide sender lists do not apply to it (lib/policy switches; read by resolution) */
  global_lists?: boolean;
  autoreplies?: number; // enabled autoresponders, whatever their window (read by the SQL directory only)
  list_entries?: number; // sender-list entries that can apply: its own, its domain's, global (idem)
}

/** The one mapper from a `mailboxes` row (any engine: 0/1 or booleans, strings or numbers) to a mailbox. */
export function toMailbox(row: Record<string, unknown>): MailboxRow {
  // one literal, then plain assignments: V8 shares one hidden class among all the mailboxes
  // (spreading into a literal, once optimised, gave every object its own: ~0.5 kB each, and the
  // directory cache keeps tens of thousands of them)
  const m: MailboxRow = {
    id: Number(row.id),
    domain_id: Number(row.domain_id),
    address: String(row.address),
    local_part: String(row.local_part),
    name: String(row.name ?? ''),
    quota_mb: Number(row.quota_mb ?? 0),
    used_bytes: Number(row.used_bytes ?? 0),
    active: !!Number(row.active),
    keep_copy: !!Number(row.keep_copy),
    redirect_to: splitTargets(row.redirect_to as string | null),
    language: (row.language as string | null) ?? null,
    recovery_email: (row.recovery_email as string | null) ?? null,
    spam_policy_id: row.spam_policy_id == null ? null : Number(row.spam_policy_id),
    global_lists: row.global_lists == null ? true : !!Number(row.global_lists),
  };
  if (row.autoreplies != null) m.autoreplies = Number(row.autoreplies);
  if (row.list_entries != null) m.list_entries = Number(row.list_entries);
  return m;
}

export function splitTargets(value: string | null | undefined): string[] {
  return String(value ?? '')
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function requireAddress(input: string, field = 'address') {
  try {
    return parseAddress(input);
  } catch (err) {
    if (err instanceof AddressError) throw invalid(field, `invalid address "${input}": ${err.message}`);
    throw err;
  }
}

/** Normalises a list of target addresses (list or `a@x, b@y; c@z`), refusing bad ones by name. */
export function normalizeTargets(input: string | string[], field = 'targets'): string[] {
  const list = Array.isArray(input) ? input.flatMap((s) => splitTargets(s)) : splitTargets(input);
  const out: string[] = [];
  for (const t of list) {
    const a = requireAddress(t, field).address;
    if (!out.includes(a)) out.push(a);
  }
  return out;
}

export async function addressTaken(db: Db, address: string): Promise<boolean> {
  const [m, a] = await Promise.all([db('mailboxes').where({ address }).first('id'), db('aliases').where({ address }).first('id')]);
  return !!(m || a);
}

export interface MailboxInput {
  address: string;
  password?: string;
  generatePassword?: boolean;
  quotaMb?: number;
  name?: string;
  active?: boolean;
  redirectTo?: string | string[];
  keepCopy?: boolean;
  language?: string | null;
}

/** Creates a mailbox; returns it with the generated password when one was asked for. */
export async function createMailbox(db: Db, input: MailboxInput): Promise<{ mailbox: MailboxRow; password?: string }> {
  const addr = requireAddress(input.address);
  if (!isValidLocalPart(addr.local) || addr.local === '*') throw invalid('address', 'invalid mailbox name');
  const domain = await getDomain(db, addr.domain).catch(() => {
    throw invalid('address', `domain ${addr.domain} is not hosted here (create it first)`);
  });
  let password = input.password;
  let generated: string | undefined;
  if (input.generatePassword || password === undefined) {
    if (password !== undefined && input.generatePassword) throw invalid('password', 'give a password or ask for a generated one, not both');
    generated = password = generatePassword();
  }
  const problem = passwordProblem(password!);
  if (problem) throw invalid('password', problem);
  const quota = input.quotaMb === undefined ? domain.default_quota_mb : quotaMb(input.quotaMb);
  const redirect = input.redirectTo === undefined ? [] : normalizeTargets(input.redirectTo, 'redirect_to');
  if (redirect.includes(addr.address)) throw invalid('redirect_to', 'a mailbox cannot redirect to itself');
  if (await addressTaken(db, addr.address)) {
    if (!ROLE_LOCAL_PARTS.includes(addr.local)) throw conflict('address', `${addr.address} already exists`);
    // a real postmaster (or abuse) mailbox replaces the default alias
    await db('aliases').where({ address: addr.address, kind: 'postmaster' }).delete();
    await bumpGeneration(db);
  }
  const hash = await hashPassword(password!);
  try {
    const [id] = await db('mailboxes').insert({
      domain_id: domain.id,
      local_part: addr.local,
      address: addr.address,
      sort_key: addressSortKey(addr.address),
      name: (input.name ?? '').trim().slice(0, 190),
      password_hash: hash,
      quota_mb: quota,
      active: input.active ?? true,
      redirect_to: redirect.join(','),
      keep_copy: input.keepCopy ?? false,
      language: input.language ?? null,
    });
    await bumpGeneration(db);
    return { mailbox: await getMailbox(db, Number(id)), password: generated };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('address', `${addr.address} already exists`);
    throw err;
  }
}

export async function getMailbox(db: Db, addressOrId: string | number): Promise<MailboxRow> {
  const row =
    typeof addressOrId === 'number'
      ? await db('mailboxes').where({ id: addressOrId }).first()
      : await db('mailboxes').where({ address: requireAddress(addressOrId).address }).first();
  if (!row) throw notFound(`mailbox ${addressOrId} does not exist`);
  return toMailbox(row);
}

/** What can change on a mailbox: the settings it was created with, plus those set later. */
export interface MailboxPatch extends Omit<MailboxInput, 'address' | 'generatePassword'> {
  recoveryEmail?: string | null;
  spamPolicyId?: number | null;
}

export async function updateMailbox(db: Db, addressOrId: string | number, patch: MailboxPatch): Promise<MailboxRow> {
  const mb = await getMailbox(db, addressOrId);
  const set: Record<string, unknown> = { updated_at: db.fn.now() };
  if (patch.password !== undefined) {
    const problem = passwordProblem(patch.password);
    if (problem) throw invalid('password', problem);
    set.password_hash = await hashPassword(patch.password);
  }
  if (patch.quotaMb !== undefined) {
    set.quota_mb = quotaMb(patch.quotaMb);
    // a new quota is a new threshold: the 90 % warning (lib/delivery quotaWarning) may be due again
    if (set.quota_mb !== mb.quota_mb) set.quota_warned = false;
  }
  if (patch.name !== undefined) set.name = patch.name.trim().slice(0, 190);
  if (patch.active !== undefined) set.active = patch.active;
  if (patch.keepCopy !== undefined) set.keep_copy = patch.keepCopy;
  if (patch.language !== undefined) set.language = patch.language;
  if (patch.spamPolicyId !== undefined) set.spam_policy_id = patch.spamPolicyId;
  if (patch.recoveryEmail !== undefined) {
    set.recovery_email = patch.recoveryEmail ? requireAddress(patch.recoveryEmail, 'recovery_email').address : null;
  }
  if (patch.redirectTo !== undefined) {
    const redirect = normalizeTargets(patch.redirectTo, 'redirect_to');
    if (redirect.includes(mb.address)) throw invalid('redirect_to', 'a mailbox cannot redirect to itself');
    set.redirect_to = redirect.join(',');
  }
  await db('mailboxes').where({ id: mb.id }).update(set);
  await bumpGeneration(db);
  return getMailbox(db, mb.id);
}

export async function deleteMailbox(db: Db, address: string): Promise<void> {
  const mb = await getMailbox(db, address);
  if (ROLE_LOCAL_PARTS.includes(mb.local_part)) throw forbidden(`${mb.local_part}@ cannot be deleted`);
  await db.transaction(async (trx) => {
    await trx('mailboxes').where({ id: mb.id }).delete();
    // its own spam settings (a private policy, see lib/policies) go with it
    await trx('spam_policies').where({ name: mailboxPolicyName(mb.id) }).delete();
    await bumpGeneration(trx);
  });
}

/** Name of a mailbox's private spam policy ("own settings"); "~" keeps it apart from shared names. */
export const MAILBOX_POLICY_PREFIX = '~mailbox-';

export function mailboxPolicyName(mailboxId: number): string {
  return `${MAILBOX_POLICY_PREFIX}${mailboxId}`;
}

export async function listMailboxes(db: Db, opts: { domain?: string; search?: string; limit?: number; offset?: number } = {}): Promise<MailboxRow[]> {
  const q = db('mailboxes as m').select('m.*').orderBy(['m.sort_key', 'm.address']);
  if (opts.domain) {
    const d = await getDomain(db, opts.domain);
    q.where('m.domain_id', d.id);
  }
  if (opts.search) q.where('m.address', 'like', `%${opts.search.toLowerCase()}%`);
  if (opts.limit) q.limit(opts.limit).offset(opts.offset ?? 0);
  return (await q).map(toMailbox);
}

/**
 * Sets the mailbox's usage to what was counted in its Maildir (the counter only adds
 * deliveries; deletions by a mail client are seen only by a recount).
 */
export async function setUsage(db: Db, mailboxId: number, bytes: number): Promise<void> {
  await replaceUsage(db, mailboxId, Math.max(0, Math.round(bytes)), () => noteRecount(db, mailboxId, bytes));
}
