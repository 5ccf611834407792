// `mailhost migrate`: applies pending database migrations (every other command does too, first).
import { command, type CommandGroup } from '../engine';
import { openDb, migrateLatest, releaseMigrationLock } from '../../lib/core';

export const migrateCommand: CommandGroup = {
  name: 'migrate',
  summary: 'the database schema',
  commands: [
    command({
      help: 'apply pending database migrations',
      flags: { unlock: { type: 'boolean', help: 'only release the lock left by a migration that was killed midway' } },
      async run({ flags, ctx }) {
        const db = openDb(ctx.settings.db);
        try {
          if (flags.unlock) {
            ctx.print((await releaseMigrationLock(db)) ? 'migration lock released' : 'no migration lock was set');
            return;
          }
          const applied = await migrateLatest(db);
          ctx.print(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
        } finally {
          await db.destroy();
        }
      },
    }),
  ],
};
