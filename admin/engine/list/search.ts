// The search row of a list: one filter per declared search the role may use, read from the
// query string (q_<name>) and applied to the scoped query.
import type { Knex } from 'knex';
import type { Request } from 'express';
import { isMysql, foldForSort } from '../../../lib/core';
import { roleAllowed } from '../access';
import { dayStartMs } from '../time';
import type { Ctx, Option, ResourceDef, SearchDef } from '../types';

export interface SearchView {
  def: SearchDef;
  value: string;
  options: Option[];
}

export interface Search {
  /** the filters' values by name ('' = not filtered) */
  values: Record<string, string>;
  views: SearchView[];
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function applyFilter(q: Knex.QueryBuilder, s: SearchDef, v: string, ctx: Ctx): void {
  if (s.apply) return s.apply(q, v, ctx);
  if (s.type === 'date') {
    // a day in the user's zone; the column holds epoch ms: `from` that day on, `to` up to its end
    const ms = dayStartMs(v, ctx.timeZone, s.range === 'to' ? 1 : 0);
    if (!Number.isNaN(ms)) q.where(s.column, s.range === 'to' ? '<' : '>=', ms);
    return;
  }
  // backslash is MariaDB's default LIKE escape; SQLite needs it spelled out
  const like = `LOWER(??) LIKE ?${isMysql(ctx.db) ? '' : ` ESCAPE '\\'`}`;
  if (s.type === 'text' && s.foldedColumn) {
    // "école" finds xn--cole-...: the folded Unicode form is searched too
    q.where((w) => w.whereRaw(like, [s.column, `%${escapeLike(v.toLowerCase())}%`]).orWhereRaw(like, [s.foldedColumn!, `%${escapeLike(foldForSort(v))}%`]));
  } else if (s.type === 'text') q.whereRaw(like, [s.column, `%${escapeLike(v.toLowerCase())}%`]);
  else if (s.type === 'bool') q.where(s.column, v === '1');
  else q.where(s.column, v);
}

/** Reads the filters of the request and narrows `q` by those given. */
export async function applySearch(r: ResourceDef, ctx: Ctx, req: Request, q: Knex.QueryBuilder): Promise<Search> {
  const values: Record<string, string> = {};
  const views: SearchView[] = [];
  for (const s of r.list.search.filter((x) => roleAllowed(x.roles, ctx.principal.role))) {
    const given = req.query[`q_${s.name}`];
    const v = typeof given === 'string' ? given.trim().slice(0, 200) : '';
    values[s.name] = v;
    if (v) applyFilter(q, s, v, ctx);
    views.push({ def: s, value: v, options: s.options ? await s.options(ctx) : [] });
  }
  return { values, views };
}
