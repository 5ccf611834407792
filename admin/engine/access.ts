// What a role may see and change. Rows: every query starts from the resource's scope
// (scopes.ts), so a row outside it does not exist for the principal (404). Actions, fields,
// tabs, list columns and search filters: the roles the declaration names. Features: a
// resource, field or tab whose `available` says no is not there at all. Permissions: a field
// or tab with a `permission` the resource's `allows` refuses on the row is hidden, and a
// request for it answers 403 (refuseDenied).
import type { Knex } from 'knex';
import type { Response } from 'express';
import type { Db } from '../../lib/core';
import type { Principal } from '../../lib/accounts';
import { forbiddenHttp, notFoundHttp } from './errors';
import type { Action, Ctx, FieldDef, ResourceDef, Role, TabDef } from './types';

export type Registry = Map<string, ResourceDef>;

/** The logged-in request's context (the auth middleware redirects everyone else before this). */
export function ctxOf(res: Response): Ctx {
  const ctx = res.locals.ctx as Ctx | undefined;
  if (!ctx) throw notFoundHttp();
  return ctx;
}

export function can(res: ResourceDef, role: Role, action: Action): boolean {
  return !!res.permissions[role]?.includes(action);
}

/** No `roles` means every role the resource allows. */
export function roleAllowed(roles: Role[] | undefined, role: Role): boolean {
  return !roles || roles.includes(role);
}

/** The feature behind a declaration is installed (its table exists...). */
export async function present(decl: { available?: (db: Db) => Promise<boolean> }, db: Db): Promise<boolean> {
  return !decl.available || decl.available(db);
}

/** May this principal delete this row (permission, then the resource's own rule)? */
export function canDeleteRow(res: ResourceDef, row: Record<string, unknown>, p: Principal): boolean {
  return can(res, p.role, 'delete') && (!res.canDelete || res.canDelete(row, p));
}

/** Which `permission` keys of the declaration this principal has on the row. */
export type Allows = (permission: string) => boolean;
const ALL: Allows = () => true;

/** The resource's rule on this row; on the add form (no row yet) and without a rule, everything. */
export async function allowsOn(res: ResourceDef, ctx: Ctx, row: Record<string, unknown> | null): Promise<Allows> {
  return row && res.allows ? res.allows(ctx, row) : ALL;
}

const permitted = (decl: { permission?: string }, allows: Allows) => !decl.permission || allows(decl.permission);

/** Fields this principal sees, for which the feature exists (and, on a row, the permission). */
export async function visibleFields(res: ResourceDef, ctx: Ctx, allows: Allows = ALL): Promise<FieldDef[]> {
  const out: FieldDef[] = [];
  for (const f of res.fields) if (roleAllowed(f.roles, ctx.principal.role) && permitted(f, allows) && (await present(f, ctx.db))) out.push(f);
  return out;
}

export interface VisibleTab {
  def: TabDef;
  fields: FieldDef[];
}

/** A child resource this principal may open (exists, permitted, feature present). */
async function childUsable(registry: Registry, name: string, ctx: Ctx): Promise<boolean> {
  const child = registry.get(name);
  return !!child && can(child, ctx.principal.role, 'list') && (await present(child, ctx.db));
}

/** The form's tabs this principal sees, each with its visible fields (a tab without any is left out). */
export async function visibleTabs(res: ResourceDef, ctx: Ctx, fields: FieldDef[], registry: Registry, allows: Allows = ALL): Promise<VisibleTab[]> {
  if (!res.tabs) return [{ def: { name: 'main', label: `res.${res.name}.one`, fields: fields.map((f) => f.name) }, fields }];
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: VisibleTab[] = [];
  for (const tab of res.tabs) {
    if (!roleAllowed(tab.roles, ctx.principal.role) || !permitted(tab, allows) || !(await present(tab, ctx.db))) continue;
    if (tab.child) {
      if (await childUsable(registry, tab.child, ctx)) out.push({ def: tab, fields: [] });
      continue;
    }
    const tf = tab.fields.map((n) => byName.get(n)).filter((f): f is FieldDef => !!f);
    if (tf.length) out.push({ def: tab, fields: tf });
  }
  return out;
}

/** What the principal may see of one row's form, and what its permissions refuse. */
export interface FormAccess {
  fields: FieldDef[];
  tabs: VisibleTab[];
  /** tabs whose permission is refused */
  refusedTabs: Set<string>;
  /** fields whose own permission, or their tab's, is refused */
  refusedFields: Set<string>;
}

export async function formAccess(res: ResourceDef, ctx: Ctx, registry: Registry, row: Record<string, unknown> | null): Promise<FormAccess> {
  const allows = await allowsOn(res, ctx, row);
  const fields = await visibleFields(res, ctx, allows);
  const refusedTabs = new Set<string>();
  const refusedFields = new Set(res.fields.filter((f) => !permitted(f, allows)).map((f) => f.name));
  for (const tab of res.tabs ?? []) {
    if (permitted(tab, allows)) continue;
    refusedTabs.add(tab.name);
    for (const name of tab.fields) refusedFields.add(name);
  }
  return { fields, tabs: await visibleTabs(res, ctx, fields, registry, allows), refusedTabs, refusedFields };
}

/**
 * A request for what a permission refuses: the tab asked for, or a posted field (or one of its
 * inputs, e.g. password_generate). Refused with 403 before anything is read or saved: hiding
 * the field is not enough, a crafted form would otherwise reach the hooks.
 */
export function refuseDenied(access: FormAccess, tabName: string | undefined, body?: Record<string, unknown>): void {
  if (tabName && access.refusedTabs.has(tabName)) throw forbiddenHttp();
  if (!body || !access.refusedFields.size) return;
  const refused = [...access.refusedFields];
  const shown = new Set(access.tabs.flatMap((t) => t.fields.map((f) => f.name))); // a field on a visible tab named like a refused input stays fine
  for (const key of Object.keys(body)) {
    if (!shown.has(key) && refused.some((name) => key === name || key.startsWith(`${name}_`))) throw forbiddenHttp();
  }
}

/** The scoped query with the resource's joins; `id` always the resource's own id. */
export function scoped(res: ResourceDef, ctx: Ctx): Knex.QueryBuilder {
  const q = res.scope(ctx.db, ctx.principal);
  return res.select ? res.select(q, ctx.db) : q.select(`${res.table}.*`);
}

/** One row by its id in the URL, through the scope: 404 when malformed or out of scope. */
export async function loadRow(res: ResourceDef, ctx: Ctx, idParam: unknown): Promise<Record<string, unknown>> {
  if (typeof idParam !== 'string' || !/^\d{1,10}$/.test(idParam)) throw notFoundHttp();
  const row = await scoped(res, ctx).where(`${res.table}.id`, Number(idParam)).first();
  if (!row) throw notFoundHttp();
  return res.decorate ? (await res.decorate(ctx, [row]))[0] : row;
}
