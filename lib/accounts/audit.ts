// Audit log of changes made from the admin pages and the CLI: who, when, what (never secret
// values), and the domain it was about (a client sees the lines of its domains).
import { normalizeDomain, type Db } from '../core';

export interface AuditEntry {
  actorRole: string;
  actor: string;
  action: 'create' | 'update' | 'delete';
  resource: string;
  objectId?: number | null;
  objectLabel?: string;
  /** names of the fields that were submitted; values are left out on purpose */
  fields?: string[];
  /** the domain the object belongs to (a domain, or a mailbox, alias... of it); none = admins only */
  domainId?: number | null;
}

export async function recordAudit(db: Db, e: AuditEntry, now = Date.now()): Promise<void> {
  await db('audit_log').insert({
    at_ms: now,
    actor_role: e.actorRole.slice(0, 16),
    actor: e.actor.slice(0, 320),
    action: e.action,
    resource: e.resource.slice(0, 64),
    object_id: e.objectId ?? null,
    object_label: (e.objectLabel ?? '').slice(0, 320),
    details: e.fields ? JSON.stringify({ fields: e.fields }) : null,
    domain_id: e.domainId ?? null,
  });
}

export interface AuditRow {
  id: number;
  at: Date;
  actor_role: string;
  actor: string;
  action: string;
  resource: string;
  object_id: number | null;
  object_label: string;
  domain_id: number | null;
}

export async function listAudit(db: Db, opts: { resource?: string; objectId?: number; limit?: number } = {}): Promise<AuditRow[]> {
  const q = db('audit_log').orderBy('id', 'desc').limit(opts.limit ?? 100);
  if (opts.resource) q.where({ resource: opts.resource });
  if (opts.objectId != null) q.where({ object_id: opts.objectId });
  return (await q).map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    at: new Date(Number(r.at_ms)),
    actor_role: String(r.actor_role),
    actor: String(r.actor),
    action: String(r.action),
    resource: String(r.resource),
    object_id: r.object_id == null ? null : Number(r.object_id),
    object_label: String(r.object_label ?? ''),
    domain_id: r.domain_id == null ? null : Number(r.domain_id),
  }));
}

/** The domain of a mailbox (its audit lines are its domain's); null when it is gone. */
export async function mailboxDomainId(db: Db, mailboxId: number): Promise<number | null> {
  const row = await db('mailboxes').where('id', mailboxId).first('domain_id');
  return row ? Number(row.domain_id) : null;
}

/**
 * The hosted domain named by the first of `names` that names one: a domain, a domain alias
 * (its target) or an address (its domain). For CLI lines, whose objects are typed names.
 */
export async function domainIdNamed(db: Db, names: string[]): Promise<number | null> {
  for (const name of names) {
    const ascii = normalizeDomain(name.slice(name.lastIndexOf('@') + 1));
    if (!ascii) continue;
    const domain = await db('domains').where('name', ascii).first('id');
    if (domain) return Number(domain.id);
    const alias = await db('domain_aliases').where('name', ascii).first('domain_id');
    if (alias) return Number(alias.domain_id);
  }
  return null;
}
