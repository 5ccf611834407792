// Audit log of changes made from the admin pages: who, when, what (never secret values).
import type { Db } from '../core';

export interface AuditEntry {
  actorRole: string;
  actor: string;
  action: 'create' | 'update' | 'delete';
  resource: string;
  objectId?: number | null;
  objectLabel?: string;
  /** names of the fields that were submitted; values are left out on purpose */
  fields?: string[];
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
  }));
}
