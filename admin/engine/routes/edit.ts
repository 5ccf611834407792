// GET /<name>/:id?tab=x (one tab of the edit form) and POST /<name>/:id (save that tab).
import type { Request, Response } from 'express';
import { formAccess, loadRow, refuseDenied, type Registry, type VisibleTab } from '../access';
import { audit, backUrl, envOf, type Env } from '../env';
import { notFoundHttp } from '../errors';
import { flash } from '../flash';
import { rawFromRow } from '../form/parse';
import { submit, takeTimeZone } from '../form/submit';
import { renderForm } from '../form/view';
import type { FormValues, ResourceDef } from '../types';

interface Editing {
  env: Env;
  row: Record<string, unknown>;
  tabs: VisibleTab[];
  tab: VisibleTab;
}

/**
 * The row in scope, the tabs this principal sees, and the tab asked for (else the first form
 * tab); a tab or posted field the row's permissions refuse answers 403.
 */
async function editing(res: ResourceDef, registry: Registry, req: Request, response: Response, posted?: Record<string, unknown>): Promise<Editing> {
  const env = await envOf(res, registry, req, response, 'edit');
  const row = await loadRow(env.r, env.ctx, req.params.id);
  const access = await formAccess(env.r, env.ctx, registry, row);
  const wanted = typeof req.query.tab === 'string' ? req.query.tab : '';
  refuseDenied(access, wanted, posted);
  const { tabs } = access;
  const tab = tabs.find((t) => t.def.name === wanted) ?? tabs.find((t) => !t.def.child);
  if (!tab) throw notFoundHttp();
  return { env, row, tabs, tab };
}

export async function showEdit(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<void> {
  const { env, row, tabs, tab } = await editing(res, registry, req, response);
  if (tab.def.child) return response.redirect(303, `${env.base}/${row.id}/${tab.def.child}`);
  const source = tab.def.load ? { ...row, ...(await tab.def.load(env.ctx, row)) } : row;
  await renderForm(response, env, { row, tabs, tab, raw: rawFromRow(tab.fields, source, env.ctx), errors: {} });
}

/** Saves one tab (its own store, or the resource's onUpdate), logs it, and answers where to go next. */
async function update(e: Editing, req: Request, v: FormValues): Promise<string> {
  const { env, row, tab } = e;
  const { ctx, r } = env;
  if (r.onBeforeSave) await r.onBeforeSave(ctx, v, row);
  let notice: string | undefined;
  if (tab.def.save) await tab.def.save(ctx, row, v);
  else if (r.onUpdate) notice = (await r.onUpdate(ctx, row, v))?.notice;
  else throw notFoundHttp();
  const label = r.label(row);
  await audit(env, 'update', row, label, v.names());
  flash(req, 'success', ctx.t('flash.saved', { name: label }));
  if (notice) flash(req, 'info', notice);
  return backUrl(env, Number(row.id), e.tabs, tab);
}

export async function postEdit(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<void> {
  const e = await editing(res, registry, req, response, req.body ?? {});
  if (e.tab.def.child) throw notFoundHttp();
  e.env.ctx = takeTimeZone(req, e.env.ctx);
  const result = await submit(req, e.env.ctx, e.tab.fields, false, (v) => update(e, req, v));
  if ('done' in result) return response.redirect(303, result.done);
  const { raw, errors, formError } = result.again;
  await renderForm(response, e.env, { row: e.row, tabs: e.tabs, tab: e.tab, raw, errors, formError, status: 422 });
}
