// What a role may see and change. Rows: every query starts from the resource's scope
// (scopes.ts), so a row outside it does not exist for the principal (404). Actions, fields,
// tabs, list columns and search filters: the roles the declaration names. Features: a
// resource, field or tab whose `available` says no is not there at all.
import type { Knex } from 'knex';
import type { Response } from 'express';
import type { Db } from '../../lib/core';
import type { Principal } from '../../lib/accounts';
import { notFoundHttp } from './errors';
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

/** Fields this principal sees, for which the feature exists. */
export async function visibleFields(res: ResourceDef, ctx: Ctx): Promise<FieldDef[]> {
  const out: FieldDef[] = [];
  for (const f of res.fields) if (roleAllowed(f.roles, ctx.principal.role) && (await present(f, ctx.db))) out.push(f);
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
export async function visibleTabs(res: ResourceDef, ctx: Ctx, fields: FieldDef[], registry: Registry): Promise<VisibleTab[]> {
  if (!res.tabs) return [{ def: { name: 'main', label: `res.${res.name}.one`, fields: fields.map((f) => f.name) }, fields }];
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: VisibleTab[] = [];
  for (const tab of res.tabs) {
    if (!roleAllowed(tab.roles, ctx.principal.role) || !(await present(tab, ctx.db))) continue;
    if (tab.child) {
      if (await childUsable(registry, tab.child, ctx)) out.push({ def: tab, fields: [] });
      continue;
    }
    const tf = tab.fields.map((n) => byName.get(n)).filter((f): f is FieldDef => !!f);
    if (tf.length) out.push({ def: tab, fields: tf });
  }
  return out;
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
