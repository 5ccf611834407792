// Pages of a list: PAGE_SIZE rows each, the page number from ?page=, and page links that keep
// the search filters.
import type { Knex } from 'knex';
import type { Request } from 'express';

export const PAGE_SIZE = 15;

export interface Paging {
  total: number;
  page: number;
  pages: number;
}

/** Counts the filtered rows and picks the requested page (clamped to the last one). */
export async function pageOf(q: Knex.QueryBuilder, req: Request): Promise<Paging> {
  const [{ n }] = await q.clone().clearSelect().clearOrder().count({ n: '*' });
  const total = Number(n);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const asked = Number(req.query.page);
  const page = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, pages) : 1;
  return { total, page, pages };
}

/** The rows of that page, in the list's order (ties broken by id so pages never overlap). */
export function rowsOfPage(q: Knex.QueryBuilder, orderBy: string, idColumn: string, page: number): Knex.QueryBuilder {
  return q
    .orderBy(orderBy)
    .orderBy(idColumn)
    .limit(PAGE_SIZE)
    .offset((page - 1) * PAGE_SIZE);
}

/** URL of page p with the same filters. */
export function pageUrl(base: string, search: Record<string, string>): (p: number) => string {
  return (p) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(search)) if (v) params.set(`q_${k}`, v);
    if (p > 1) params.set('page', String(p));
    const s = params.toString();
    return s ? `${base}?${s}` : base;
  };
}
