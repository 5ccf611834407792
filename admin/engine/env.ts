// What one request of a resource works on: the principal's context, the resource (for a child
// resource: bound to its parent row, loaded through the parent's scope), its base URL and the
// parent's tabs shown above a child's pages. Also where to go after a change, and the audit line.
import type { Request, Response } from 'express';
import { recordAudit, mailboxDomainId } from '../../lib/accounts';
import { can, ctxOf, formAccess, loadRow, present, refuseDenied, type Registry, type VisibleTab } from './access';
import { notFoundHttp } from './errors';
import type { Action, Ctx, ResourceDef } from './types';

export interface TabLink {
  name: string;
  label: string;
  href: string;
  active: boolean;
}

export interface Env {
  ctx: Ctx;
  /** the resource; for a child, its scope restricted to the parent row */
  r: ResourceDef;
  /** the resource as declared (its name, parent, permissions) */
  declared: ResourceDef;
  registry: Registry;
  base: string;
  /** tabs of the parent form, shown above a child's pages */
  parentTabs: TabLink[];
  parentTitle?: string;
  parentIcon?: string;
}

export function tabLinks(res: ResourceDef, ctx: Ctx, id: number, tabs: VisibleTab[], active: string): TabLink[] {
  return tabs.map((tb) => ({
    name: tb.def.name,
    label: ctx.t(tb.def.label),
    href: tb.def.child ? `/${res.name}/${id}/${tb.def.child}` : `/${res.name}/${id}?tab=${encodeURIComponent(tb.def.name)}`,
    active: tb.def.name === active,
  }));
}

/** The request's Env when the principal may do `action` on the resource, else 404. */
export async function envOf(res: ResourceDef, registry: Registry, req: Request, response: Response, action: Action): Promise<Env> {
  const ctx = ctxOf(response);
  if (!can(res, ctx.principal.role, action) || !(await present(res, ctx.db))) throw notFoundHttp();
  if (!res.parent) return { ctx, r: res, declared: res, registry, base: `/${res.name}`, parentTabs: [] };
  return childEnv(res, registry, req, ctx);
}

/**
 * A child resource: the parent row in scope with `edit` on it, and the child's tab visible
 * there (a tab the parent row's permissions refuse: 403 for every page of the child).
 */
async function childEnv(res: ResourceDef, registry: Registry, req: Request, principalCtx: Ctx): Promise<Env> {
  const parentDef = registry.get(res.parent!.resource);
  if (!parentDef || !can(parentDef, principalCtx.principal.role, 'edit')) throw notFoundHttp();
  const parentRow = await loadRow(parentDef, principalCtx, (req.params as Record<string, string>).pid);
  const ctx = { ...principalCtx, parent: parentRow };
  const key = `${res.table}.${res.parent!.key}`;
  const pid = Number(parentRow.id);
  const access = await formAccess(parentDef, ctx, registry, parentRow);
  const tabs = access.tabs;
  const mine = tabs.find((tb) => tb.def.child === res.name);
  if (!mine) {
    refuseDenied(access, parentDef.tabs?.find((tb) => tb.child === res.name)?.name);
    throw notFoundHttp();
  }
  return {
    ctx,
    r: { ...res, scope: (db, p) => res.scope(db, p).where(key, pid) },
    declared: res,
    registry,
    base: `/${parentDef.name}/${pid}/${res.name}`,
    parentTabs: tabLinks(parentDef, ctx, pid, tabs, mine.def.name),
    parentTitle: `${ctx.t(`res.${parentDef.name}.one`)} : ${parentDef.label(parentRow)}`,
    parentIcon: parentDef.icon,
  };
}

/** Where to go after a change: the list when the role has one, else back to the form. */
export function backUrl(env: Env, id: number | null, tabs: VisibleTab[], tab?: VisibleTab): string {
  if (can(env.r, env.ctx.principal.role, 'list')) return env.base;
  if (id == null) return '/';
  return `${env.base}/${id}${tabs.length > 1 && tab ? `?tab=${encodeURIComponent(tab.def.name)}` : ''}`;
}

type Row = Record<string, unknown>;

/** The domain a row belongs to: the resource's own rule, else its domain_id, else its mailbox's domain. */
async function domainOfRow(def: ResourceDef, row: Row, env: Env): Promise<number | null> {
  if (def.auditDomain) return def.auditDomain(row);
  if (Number(row.domain_id)) return Number(row.domain_id);
  if (Number(row.mailbox_id)) return mailboxDomainId(env.ctx.db, Number(row.mailbox_id));
  return null;
}

/**
 * One line of the audit log for a change made through the pages, with the domain it was about
 * (the row's, else its parent row's) so the domain's client sees it; none: admins only.
 */
export async function audit(env: Env, action: 'create' | 'update' | 'delete', row: Row, label: string, fields?: string[]): Promise<void> {
  const { ctx, declared } = env;
  const resource = ctx.parent && declared.parent ? `${declared.parent.resource}/${declared.name}` : declared.name;
  const parentDef = declared.parent && ctx.parent ? env.registry.get(declared.parent.resource) : undefined;
  const domainId = (await domainOfRow(declared, row, env)) ?? (parentDef ? await domainOfRow(parentDef, ctx.parent!, env) : null);
  await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action, resource, objectId: Number(row.id), objectLabel: label, fields, domainId });
}
