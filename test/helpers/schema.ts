// The schema of a database as comparable text: what the migrations produced, nothing else.
// SQLite: every table and index as stored in sqlite_master (the exact DDL text).
// MariaDB: SHOW CREATE TABLE of every table (columns, keys, foreign keys, engine, charset),
// without the AUTO_INCREMENT counter, which depends on rows, not on the schema.
// Plus the migration bookkeeping (which migrations are recorded, whether the lock is free)
// and the rows the migrations themselves insert.
import { isMysql, rawRows, type Db } from '../../lib/core';

export async function schemaOf(db: Db): Promise<string> {
  const out: string[] = [];
  if (isMysql(db)) {
    const tables = rawRows(await db.raw('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name'));
    for (const { name } of tables) {
      const [row] = rawRows(await db.raw('SHOW CREATE TABLE ??', [String(name)]));
      out.push(String(row['Create Table']).replace(/ AUTO_INCREMENT=\d+/, ''));
    }
  } else {
    const rows = rawRows(await db.raw("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"));
    for (const r of rows) out.push(`${r.type} ${r.name} on ${r.tbl_name}: ${r.sql}`);
  }
  if (await db.schema.hasTable('knex_migrations')) {
    const names = (await db('knex_migrations').orderBy('name').pluck('name')) as string[];
    out.push(`migrations: ${names.join(', ')}`);
  }
  if (await db.schema.hasTable('knex_migrations_lock')) {
    const locks = (await db('knex_migrations_lock').pluck('is_locked')) as number[];
    out.push(`lock: ${locks.map(Number).join(', ')}`);
  }
  if (await db.schema.hasTable('spam_policies')) {
    const names = (await db('spam_policies').orderBy('name').pluck('name')) as string[];
    out.push(`spam_policies: ${names.join(', ')}`);
  }
  return out.join('\n');
}
