// What a mailbox owner may change themselves (Plesk "Droits"): their password, redirect,
// autoresponders, spam settings, sender lists, quarantine digest. Two levels decide:
//   - per client, set by an admin: the most the owners of the client's mailboxes may get;
//   - per mailbox, set by an admin or by the client owning the domain.
// The owner may change a thing only when both allow it (a client cannot give more than the
// admin gave the client). Admins and clients always may: these are the owner's rights, not
// theirs. Only refusals are stored (permission_denials), so no row means allowed.
import { type Db, invalid, forbidden, notFound, isUniqueViolation } from '../core';
import type { Principal } from './accounts';

export const OWNER_PERMISSIONS = ['password', 'redirect', 'autoreply', 'spam', 'senders', 'digest'] as const;
export type OwnerPermission = (typeof OWNER_PERMISSIONS)[number];

/** Which permissions change: true = allowed, false = refused, absent = unchanged. */
export type PermissionChanges = Partial<Record<OwnerPermission, boolean>>;

export function isOwnerPermission(value: unknown): value is OwnerPermission {
  return (OWNER_PERMISSIONS as readonly unknown[]).includes(value);
}

/** A list of permission names (CLI: "password,spam"), each checked. */
export function requirePermissions(input: string | readonly string[], field = 'permissions'): OwnerPermission[] {
  const names = (typeof input === 'string' ? input.split(',') : input).map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!isOwnerPermission(n)) throw invalid(field, `unknown permission "${n}" (one of ${OWNER_PERMISSIONS.join(', ')})`);
  return [...new Set(names as OwnerPermission[])];
}

const allowedBut = (denied: Iterable<string>): Set<OwnerPermission> => {
  const no = new Set(denied);
  return new Set(OWNER_PERMISSIONS.filter((p) => !no.has(p)));
};

async function clientRow(db: Db, clientId: number): Promise<{ id: number; username: string }> {
  const row = await db('accounts').where({ id: clientId }).first('id', 'username', 'role');
  if (!row) throw notFound(`account ${clientId} does not exist`);
  if (row.role !== 'client') throw invalid('client', `${row.username} is an ${row.role} account: permissions are set on clients`);
  return { id: Number(row.id), username: String(row.username) };
}

/** What the admin lets the owners of this client's mailboxes change, at most. */
export async function clientPermissions(db: Db, clientId: number): Promise<Set<OwnerPermission>> {
  return allowedBut(await db('permission_denials').where({ account_id: clientId }).pluck('permission'));
}

/** What this mailbox's own setting allows (before the client's ceiling). */
export async function mailboxPermissions(db: Db, mailboxId: number): Promise<Set<OwnerPermission>> {
  return allowedBut(await db('permission_denials').where({ mailbox_id: mailboxId }).pluck('permission'));
}

/** What the owner of the mailbox may change: the mailbox's setting AND its domain's client's. */
export async function ownerPermissions(db: Db, mailboxId: number): Promise<Set<OwnerPermission>> {
  const clientOf = db('domains').join('mailboxes', 'mailboxes.domain_id', 'domains.id').where('mailboxes.id', mailboxId).whereNotNull('domains.client_id').select('domains.client_id');
  const denied = await db('permission_denials')
    .where({ mailbox_id: mailboxId })
    .orWhereIn('account_id', clientOf)
    .pluck('permission');
  return allowedBut(denied);
}

/**
 * What this principal may change on the mailbox: admins and clients (whose scope already
 * limits them to their mailboxes) everything; its owner what the permissions allow; anyone
 * else nothing.
 */
/** Whether the owner of a mailbox may change their sender lists (the report's "accept" links). */
export async function mayChangeSenders(db: Db, mailboxId: number): Promise<boolean> {
  return (await ownerPermissions(db, mailboxId)).has('senders');
}

export async function allowedChanges(db: Db, p: Principal, mailboxId: number): Promise<Set<OwnerPermission>> {
  if (p.role === 'admin' || p.role === 'client') return new Set(OWNER_PERMISSIONS);
  if (p.id !== mailboxId) return new Set();
  return ownerPermissions(db, mailboxId);
}

/** Throws unless the principal may change `what` on the mailbox (for pages outside the engine). */
export async function requireAllowed(db: Db, p: Principal, mailboxId: number, what: OwnerPermission): Promise<void> {
  if (!(await allowedChanges(db, p, mailboxId)).has(what)) throw forbidden(`you are not allowed to change this (${what})`);
}

async function store(db: Db, owner: { account_id: number } | { mailbox_id: number }, changes: PermissionChanges): Promise<void> {
  for (const [name, allowed] of Object.entries(changes)) {
    if (!isOwnerPermission(name)) throw invalid('permissions', `unknown permission "${name}"`);
    if (allowed === undefined) continue;
    const row = { ...owner, permission: name };
    if (allowed) await db('permission_denials').where(row).delete();
    else {
      try {
        await db('permission_denials').insert(row);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // already refused (or two saves at once): one row
      }
    }
  }
}

/** An admin sets what the owners of the client's mailboxes may change at most. */
export async function setClientPermissions(db: Db, clientId: number, changes: PermissionChanges): Promise<Set<OwnerPermission>> {
  const client = await clientRow(db, clientId);
  await store(db, { account_id: client.id }, changes);
  return clientPermissions(db, client.id);
}

/**
 * An admin or the domain's client sets what the mailbox's owner may change. A client may
 * not allow what its own plan does not include (refusing it is always fine); the owner
 * changes none of this.
 */
export async function setMailboxPermissions(db: Db, mailboxId: number, changes: PermissionChanges, by: Principal | null = null): Promise<Set<OwnerPermission>> {
  const mb = await db('mailboxes').join('domains', 'domains.id', 'mailboxes.domain_id').where('mailboxes.id', mailboxId).first('mailboxes.id', 'domains.client_id');
  if (!mb) throw notFound(`mailbox ${mailboxId} does not exist`);
  if (by?.role === 'user') throw forbidden('a mailbox owner cannot change their own permissions');
  if (by?.role === 'client') {
    if (Number(mb.client_id) !== by.id) throw forbidden('this mailbox is not one of yours');
    const plan = await clientPermissions(db, by.id);
    const beyond = Object.entries(changes).filter(([p, on]) => on && !plan.has(p as OwnerPermission)).map(([p]) => p);
    if (beyond.length) throw invalid('owner_permissions', `your plan does not include: ${beyond.join(', ')}`);
  }
  await store(db, { mailbox_id: Number(mb.id) }, changes);
  return mailboxPermissions(db, Number(mb.id));
}

/** Changes that make exactly `granted` allowed among `offered` (a form of checkboxes). */
export function changesFrom(offered: readonly OwnerPermission[], granted: readonly string[]): PermissionChanges {
  return Object.fromEntries(offered.map((p) => [p, granted.includes(p)]));
}
