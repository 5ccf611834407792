// POST /<name>/:id/do/:action: a row button of the list (enable, disable...), back to the list.
import type { Request, Response } from 'express';
import { translateError } from '../../i18n';
import { loadRow, type Registry } from '../access';
import { audit, envOf } from '../env';
import { expectedError, notFoundHttp } from '../errors';
import { flash } from '../flash';
import type { ResourceDef } from '../types';

export async function runRowAction(res: ResourceDef, registry: Registry, req: Request, response: Response): Promise<void> {
  const env = await envOf(res, registry, req, response, 'edit');
  const { ctx, r, base } = env;
  const action = (r.actions ?? []).find((a) => a.name === req.params.action);
  if (!action) throw notFoundHttp();
  const row = await loadRow(r, ctx, req.params.id);
  if (action.when && !action.when(row)) throw notFoundHttp();
  const label = r.label(row);
  try {
    await action.run(ctx, row);
    await audit(env, 'update', row, label, [action.name]);
    flash(req, 'success', ctx.t('flash.saved', { name: label }));
  } catch (err) {
    flash(req, 'danger', translateError(ctx.t, expectedError(err)));
  }
  response.redirect(303, base);
}
