import { type CommandGroup, UsageError } from '../cli';
import { openDb, migrateLatest } from '../../lib/core';

export const migrateCommand: CommandGroup = {
  name: 'migrate',
  summary: ['migrate                                  apply pending database migrations'],
  async run(action, _argv, ctx) {
    if (action) throw new UsageError('usage: mailhost migrate');
    const db = openDb(ctx.settings.db);
    try {
      const applied = await migrateLatest(db);
      ctx.print(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await db.destroy();
    }
  },
};
