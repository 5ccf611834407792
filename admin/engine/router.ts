// The generic engine: from a ResourceDef it serves
//   GET  /<name>              list (15 rows a page, search row, page links)   list/
//   GET  /<name>/new          add form          POST /<name>/new          create   routes/create.ts
//   GET  /<name>/:id?tab=x    edit form (tab)   POST /<name>/:id          update one tab   routes/edit.ts
//   GET  /<name>/:id/delete   confirmation      POST /<name>/:id/delete   delete   routes/remove.ts
//   POST /<name>/:id/do/:act  a row action (enable, disable...)   routes/rowAction.ts
// A child resource (ResourceDef.parent) is served the same way under
//   /<parent>/<parent id>/<name>/...
// and shown as a tab of its parent's form (env.ts binds it to the parent row).
// Every row is read through the resource's scope: outside it, the answer is 404 (access.ts).
// Forms read and draw each field through the kind of its type (form/kinds/).
import express, { type Request, type Response } from 'express';
import type { Registry } from './access';
import { envOf } from './env';
import { renderList } from './list/listPage';
import { showAdd, postAdd } from './routes/create';
import { showEdit, postEdit } from './routes/edit';
import { runRowAction } from './routes/rowAction';
import { confirmDelete, postDelete } from './routes/remove';
import type { ResourceDef } from './types';

type Handler = (res: ResourceDef, registry: Registry, req: Request, response: Response) => Promise<void>;

const listHandler: Handler = async (res, registry, req, response) => renderList(await envOf(res, registry, req, response, 'list'), req, response);

export function resourceRouter(res: ResourceDef, registry: Registry = new Map([[res.name, res]])): express.Router {
  const router = express.Router({ mergeParams: true });
  const serve = (h: Handler) => (req: Request, response: Response) => h(res, registry, req, response);
  res.routes?.(router, res, registry); // the resource's own pages come first
  router.get('/', serve(listHandler)); // @route GET /<name>
  router.get('/new', serve(showAdd)); // @route GET /<name>/new
  router.post('/new', serve(postAdd)); // @route POST /<name>/new
  router.get('/:id', serve(showEdit)); // @route GET /<name>/:id
  router.post('/:id', serve(postEdit)); // @route POST /<name>/:id
  router.post('/:id/do/:action', serve(runRowAction)); // @route POST /<name>/:id/do/:action
  router.get('/:id/delete', serve(confirmDelete)); // @route GET /<name>/:id/delete
  router.post('/:id/delete', serve(postDelete)); // @route POST /<name>/:id/delete
  return router;
}
