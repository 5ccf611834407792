// One page of a list and its paging, cheap at any size. The rows come in two steps: first the
// ids of the page, read in list order (order.ts) from the ordered column alone (an index walk
// that never touches the rows it skips), then those rows with everything the list shows
// (joins, computed columns), so only the 15 shown rows pay for them.
// Where the ids are read from:
//   - an anchor (the first row of a nearby page, see paging.ts): from that row on, forwards or
//     backwards (keyset), skipping at most ANCHOR_SPAN pages;
//   - else from the nearer end of the list: OFFSET from the start, or in reverse order from
//     the end (the last pages of a million rows cost what the first ones do).
// The first page needs no count when it is not full (a search that matches a few rows).
import type { Knex } from 'knex';
import type { Request } from 'express';
import { countRows } from './count';
import { orderOf, type Order } from './order';
import { PAGE_SIZE, pageOf, type Paging } from './paging';

type Row = Record<string, unknown>;

/** The query reduced to the page's ids, in list order ('asc') or its reverse ('desc'). */
function idsQuery(q: Knex.QueryBuilder, o: Order, dir: 'asc' | 'desc'): Knex.QueryBuilder {
  const ids = q.clone().clearSelect().clearOrder().select({ id: o.id });
  const sql = o.desc ? (dir === 'asc' ? 'desc' : 'asc') : dir;
  for (const c of o.columns) ids.orderBy(c, sql);
  return ids;
}

/**
 * Rows after the anchor in list order (`from`: the anchor included), or before it: the
 * lexicographic comparison of the order columns with the anchor's values.
 */
function beyond(q: Knex.QueryBuilder, o: Order, values: unknown[], side: 'from' | 'before'): Knex.QueryBuilder {
  const cmp = (side === 'from') !== !!o.desc ? '>' : '<';
  return q.where((any) => {
    o.columns.forEach((col, i) => {
      any.orWhere((w) => {
        for (let j = 0; j < i; j++) w.where(o.columns[j] as string, values[j] as string);
        w.where(col as string, cmp, values[i] as string);
      });
    });
    if (side === 'from') any.orWhere((w) => o.columns.forEach((col, j) => w.where(col as string, values[j] as string)));
  });
}

/** The order values of the anchor row, when it is still in the (scoped, filtered) list. */
async function anchorValues(q: Knex.QueryBuilder, o: Order, id: number): Promise<unknown[] | null> {
  const row = await q.clone().clearSelect().clearOrder().where(o.id, id).first(o.columns.map((c, i) => ({ [`v${i}`]: c })));
  const values = row ? o.columns.map((_, i) => (row as Row)[`v${i}`]) : null;
  return values && values.every((v) => v != null) ? values : null;
}

const idsOf = (rows: { id: unknown }[]) => rows.map((r) => Number(r.id));

async function pageIds(q: Knex.QueryBuilder, o: Order, p: Paging): Promise<number[]> {
  const { anchor, page, total } = p;
  const values = anchor ? await anchorValues(q, o, anchor.id) : null;
  if (anchor && values) {
    if (page >= anchor.page) return idsOf(await beyond(idsQuery(q, o, 'asc'), o, values, 'from').limit(PAGE_SIZE).offset((page - anchor.page) * PAGE_SIZE));
    return idsOf(await beyond(idsQuery(q, o, 'desc'), o, values, 'before').limit(PAGE_SIZE).offset((anchor.page - page - 1) * PAGE_SIZE)).reverse();
  }
  const offset = (page - 1) * PAGE_SIZE;
  const count = Math.min(PAGE_SIZE, total - offset);
  if (count <= 0) return [];
  const fromEnd = total - offset - count;
  if (offset <= fromEnd) return idsOf(await idsQuery(q, o, 'asc').limit(PAGE_SIZE).offset(offset));
  return idsOf(await idsQuery(q, o, 'desc').limit(count).offset(fromEnd)).reverse();
}

/** The rows with these ids, with the full select of `q`, in the ids' order. */
async function rowsById(q: Knex.QueryBuilder, o: Order, ids: number[]): Promise<Row[]> {
  if (!ids.length) return [];
  const found: Row[] = await q.clone().clearOrder().whereIn(o.id, ids);
  const byId = new Map(found.map((r) => [Number(r.id), r]));
  return ids.map((id) => byId.get(id)).filter((r): r is Row => !!r);
}

/** The requested page of the scoped, filtered list query `q` (its full select), and its paging. */
export async function readPage(db: Knex, q: Knex.QueryBuilder, table: string, orderBy: string, req: Request, desc = false): Promise<{ rows: Row[]; paging: Paging }> {
  const o = await orderOf(db, table, orderBy, desc);
  const asked = Number(req.query.page);
  if (!(Number.isInteger(asked) && asked > 1)) {
    const first = idsOf(await idsQuery(q, o, 'asc').limit(PAGE_SIZE));
    const paging = pageOf(first.length < PAGE_SIZE ? first.length : await countRows(db, q), req);
    return { rows: await rowsById(q, o, first), paging };
  }
  const paging = pageOf(await countRows(db, q), req);
  return { rows: await rowsById(q, o, await pageIds(q, o, paging)), paging };
}
