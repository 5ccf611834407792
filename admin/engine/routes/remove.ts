// GET /<name>/:id/delete (confirmation page: works without JavaScript) and POST (delete).
import type { Request, Response } from 'express';
import { MailhostError } from '../../../lib/core';
import { translateError } from '../../i18n';
import { loadRow, type Registry } from '../access';
import { audit, envOf } from '../env';
import { expectedError, notFoundHttp } from '../errors';
import { flash } from '../flash';
import type { ResourceDef } from '../types';

export async function confirmDelete(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<void> {
  const { ctx, r, base } = await envOf(res, registry, req, response, 'delete');
  const row = await loadRow(r, ctx, req.params.id);
  if (r.canDelete && !r.canDelete(row, ctx.principal)) {
    flash(req, 'danger', ctx.t('flash.undeletable', { name: r.label(row) }));
    return response.redirect(303, base);
  }
  response.render('confirm', {
    res: r,
    title: ctx.t('confirm.title'),
    question: ctx.t('confirm.question', { what: ctx.t(`res.${r.name}.one`), name: r.label(row) }),
    action: `${base}/${row.id}/delete`,
    cancelUrl: base,
  });
}

export async function postDelete(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<void> {
  const env = await envOf(res, registry, req, response, 'delete');
  const { ctx, r, base } = env;
  const row = await loadRow(r, ctx, req.params.id);
  const label = r.label(row);
  try {
    if (r.canDelete && !r.canDelete(row, ctx.principal)) throw new MailhostError('forbidden', 'cannot be deleted');
    if (!r.onDelete) throw notFoundHttp();
    await r.onDelete(ctx, row);
    await audit(env, 'delete', row, label);
    flash(req, 'success', ctx.t('flash.deleted', { name: label }));
  } catch (err) {
    const e = expectedError(err);
    const text = translateError(ctx.t, e);
    flash(req, 'danger', text === e.message ? ctx.t('flash.undeletable', { name: label }) : text);
  }
  response.redirect(303, base);
}
