// The order of a list: its declared column, then the table's id so that rows with the same
// value keep one order and pages never overlap. When the column is itself unique and never
// null (mailboxes.address, domains.name...) the id adds nothing, and it must be left out:
// MariaDB cannot walk a UNIQUE index for "ORDER BY column, id" (it reads and sorts the whole
// index, seconds at a million rows), while "ORDER BY column" reads just the page's entries.
// Whether a column is unique is read from the schema once per database handle.
import type { Knex } from 'knex';
import { isMysql } from '../../../lib/core';

export interface Order {
  /** the columns (or SQL expressions) the list is sorted by, the last one unique */
  columns: (string | Knex.Raw)[];
  /** the table's id column */
  id: string;
  /** every column descending (newest first): the list order is the reverse of the columns' */
  desc?: boolean;
}

const known = new WeakMap<Knex, Map<string, Promise<boolean>>>();

/** Is `table.column` a NOT NULL column with a unique index of its own? */
async function uniqueColumn(db: Knex, table: string, column: string): Promise<boolean> {
  if (isMysql(db)) {
    const [rows] = (await db.raw(
      `SELECT s.index_name FROM information_schema.statistics s
         JOIN information_schema.columns c ON c.table_schema = s.table_schema AND c.table_name = s.table_name AND c.column_name = ? AND c.is_nullable = 'NO'
        WHERE s.table_schema = DATABASE() AND s.table_name = ? AND s.non_unique = 0
        GROUP BY s.index_name HAVING COUNT(*) = 1 AND MAX(s.column_name) = ?`,
      [column, table, column],
    )) as [unknown[]];
    return rows.length > 0;
  }
  const notNull = ((await db.raw(`PRAGMA table_info(${JSON.stringify(table)})`)) as { name: string; notnull: number; pk: number }[]).some((c) => c.name === column && (c.notnull || c.pk));
  if (!notNull) return false;
  for (const ix of (await db.raw(`PRAGMA index_list(${JSON.stringify(table)})`)) as { name: string; unique: number }[]) {
    if (!ix.unique) continue;
    const cols = (await db.raw(`PRAGMA index_info(${JSON.stringify(ix.name)})`)) as { name: string }[];
    if (cols.length === 1 && cols[0].name === column) return true;
  }
  return false;
}

/** The order of a list sorted by `orderBy` (a qualified column) on `table`, descending when `desc`. */
export async function orderOf(db: Knex, table: string, orderBy: string, desc = false): Promise<Order> {
  const id = `${table}.id`;
  // a computed sort key (a column's `sort`, e.g. the share of a quota used): never unique
  if (!/^\w+(\.\w+)?$/.test(orderBy)) return { columns: [db.raw(orderBy), id], id, desc };
  const [owner, column] = orderBy.includes('.') ? orderBy.split('.') : [table, orderBy];
  const cache = known.get(db) ?? new Map<string, Promise<boolean>>();
  known.set(db, cache);
  let unique = cache.get(orderBy);
  if (!unique) {
    unique = owner === table ? uniqueColumn(db, table, column) : Promise.resolve(false);
    unique.catch(() => cache.delete(orderBy)); // a database fault: asked again next time
    cache.set(orderBy, unique);
  }
  return { columns: (await unique) ? [orderBy] : [orderBy, id], id, desc };
}
