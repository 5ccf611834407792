// `mailhost <group> <action> ...`: exit 0 on success, 2 with a one-line reason on bad input,
// 1 on an internal fault (database down...). The commands are declared in bin/commands/<group>.ts
// and parsed, validated and explained by bin/engine.
import { loadSettings, SettingsError, openDb, migrateLatest, type Db, MailhostError } from '../lib/core';
import { dispatch, usageLine, UsageError, auditEntry, objectNames, type CliContext } from './engine';
import { recordAudit, domainIdNamed } from '../lib/accounts';
import { commandGroups } from './commands';

export { UsageError };

export async function main(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  let db: Db | undefined;
  try {
    const d = dispatch(commandGroups, argv);
    if (d.help !== undefined) {
      out(d.help);
      return d.code;
    }
    const settings = loadSettings(io.env ?? process.env);
    const ctx: CliContext = {
      settings,
      async db() {
        if (!db) {
          db = openDb(settings.db);
          await migrateLatest(db);
        }
        return db;
      },
      print: out,
      printJson: (v) => out(JSON.stringify(v, null, 2)),
    };
    const { command, group, action, flags, args } = d;
    const input = { flags, args, ctx, action, usage: () => new UsageError(`usage: mailhost ${usageLine(group.name, command)}`) };
    await command.run(input as Parameters<typeof command.run>[0]);
    // changes are logged like the admin pages' (only commands that opened the database changed it),
    // with the domain they were about when one is named (so its client sees the line)
    const entry = db && auditEntry(group, command, action, flags, args);
    if (entry) await recordAudit(db!, { ...entry, domainId: await domainIdNamed(db!, objectNames(command, flags, args)) });
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof SettingsError) {
      err(`mailhost: ${e.message}`);
      return 2;
    }
    if (e instanceof MailhostError && e.code !== 'temporary') {
      err(`mailhost: ${e.message}`);
      return 2;
    }
    err(`mailhost: internal error: ${(e as Error).message}`);
    return 1;
  } finally {
    await db?.destroy();
  }
}
