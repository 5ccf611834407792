// STUB, to be replaced by the full version being written in lib/core: clears the lock knex's
// migrator leaves behind when a migration is killed midway ("Migration table is already locked").
import type { Db } from './db';

export async function releaseMigrationLock(db: Db): Promise<void> {
  if (await db.schema.hasTable('knex_migrations_lock')) await db('knex_migrations_lock').update({ is_locked: 0 });
}
