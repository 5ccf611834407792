// GET /<name>/new (the add form: the first tab) and POST /<name>/new (create through lib).
import type { Request, Response } from 'express';
import { scoped, visibleFields, visibleTabs, type Registry, type VisibleTab } from '../access';
import { audit, backUrl, envOf, type Env } from '../env';
import { notFoundHttp } from '../errors';
import { flash } from '../flash';
import { rawFromRow } from '../form/parse';
import { submit, takeTimeZone } from '../form/submit';
import { renderForm } from '../form/view';
import type { FormValues, ResourceDef } from '../types';

async function addForm(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<{ env: Env; first: VisibleTab }> {
  const env = await envOf(res, registry, req, response, 'create');
  const [first] = await visibleTabs(env.r, env.ctx, await visibleFields(env.r, env.ctx), registry);
  return { env, first };
}

export async function showAdd(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<void> {
  const { env, first } = await addForm(res, registry, req, response);
  await renderForm(response, env, { row: null, tabs: [first], tab: first, raw: rawFromRow(first.fields, null, env.ctx), errors: {} });
}

/** Creates the object, logs it, and answers where to go next. */
async function create(env: Env, req: Request, first: VisibleTab, v: FormValues): Promise<string> {
  const { ctx, r } = env;
  if (r.onBeforeSave) await r.onBeforeSave(ctx, v, null);
  if (!r.onInsert) throw notFoundHttp();
  const { id, notice } = await r.onInsert(ctx, v);
  const row = await scoped(r, ctx).where(`${r.table}.id`, id).first();
  const label = row ? r.label(row) : String(id);
  await audit(env, 'create', row ?? { id }, label, v.names());
  flash(req, 'success', ctx.t('flash.created', { name: label }));
  if (notice) flash(req, 'info', notice);
  return r.afterCreate === 'row' ? `${env.base}/${id}` : backUrl(env, id, [first]);
}

export async function postAdd(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<void> {
  const { env, first } = await addForm(res, registry, req, response);
  env.ctx = takeTimeZone(req, env.ctx);
  const result = await submit(req, env.ctx, first.fields, true, (v) => create(env, req, first, v));
  if ('done' in result) return response.redirect(303, result.done);
  const { raw, errors, formError } = result.again;
  await renderForm(response, env, { row: null, tabs: [first], tab: first, raw, errors, formError, status: 422 });
}
