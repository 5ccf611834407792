// GET /<name>: the list page (search row, one page of rows, row buttons, page links).
import type { Request, Response } from 'express';
import { can, canDeleteRow, roleAllowed, scoped } from '../access';
import type { Env } from '../env';
import type { Ctx, ResourceDef, RowAction } from '../types';
import { applySearch } from './search';
import { pageUrl } from './paging';
import { readPage } from './rows';

interface ListRow {
  row: Record<string, unknown>;
  editUrl: string | null;
  deleteUrl: string | null;
  actions: { name: string; label: string; icon: string; url: string }[];
}

/** What each listed row links to: its form, its delete confirmation, its row actions. */
function listRow(r: ResourceDef, ctx: Ctx, base: string, row: Record<string, unknown>, actions: RowAction[]): ListRow {
  return {
    row,
    editUrl: can(r, ctx.principal.role, 'edit') ? `${base}/${row.id}` : null,
    deleteUrl: canDeleteRow(r, row, ctx.principal) ? `${base}/${row.id}/delete` : null,
    actions: actions.filter((a) => !a.when || a.when(row)).map((a) => ({ name: a.name, label: ctx.t(a.label), icon: a.icon, url: `${base}/${row.id}/do/${a.name}` })),
  };
}

export async function renderList(env: Env, req: Request, response: Response): Promise<void> {
  const { ctx, r, base } = env;
  const role = ctx.principal.role;
  const q = scoped(r, ctx);
  const search = await applySearch(r, ctx, req, q);
  const columns = r.list.columns.filter((c) => roleAllowed(c.roles, role));
  // another order only for a column that declares one (the SQL is ours, never the request's)
  const sortBy = columns.find((c) => c.sort && c.name === req.query.sort);
  const { rows: found, paging } = await readPage(ctx.db, q, r.table, sortBy?.sort ?? r.orderBy, req, !sortBy && !!r.orderDesc);
  const rows = r.decorate ? await r.decorate(ctx, found) : found;
  const actions = can(r, role, 'edit') ? (r.actions ?? []) : [];
  response.render('list', {
    res: r,
    baseUrl: base,
    title: ctx.t(`res.${r.name}.title`),
    parentTabs: env.parentTabs,
    parentTitle: env.parentTitle,
    parentIcon: env.parentIcon,
    columns,
    sort: sortBy?.name ?? '',
    // the header of a sortable column: this list (same filters) in that column's order, or back to the default
    sortUrl: (name: string) => pageUrl(base, search.values, undefined, name === sortBy?.name ? undefined : name)(1),
    rows: rows.map((row: Record<string, unknown>) => listRow(r, ctx, base, row, actions)),
    search: search.views,
    searching: Object.values(search.values).some(Boolean),
    total: paging.total,
    page: paging.page,
    pages: paging.pages,
    // links near this page start from its first row (cheap at any depth, see paging.ts)
    pageUrl: pageUrl(base, search.values, found.length ? { page: paging.page, id: Number(found[0].id), total: paging.total } : undefined, sortBy?.name),
    addUrl: can(r, role, 'create') ? `${base}/new` : null,
    showDeleteColumn: can(r, role, 'delete') || actions.length > 0,
    hasActions: actions.length > 0,
  });
}
