// `mailhost <group> <action> ...`: exit 0 on success, 2 with a one-line reason on bad input,
// 1 on an internal fault (database down...). Each group lives in bin/commands/<group>.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadSettings, SettingsError, type Settings, openDb, migrateLatest, type Db, MailhostError } from '../lib/core';
import { commandGroups } from './commands';

export class UsageError extends Error {}

export interface CliContext {
  settings: Settings;
  /** the migrated database (opened on first use) */
  db(): Promise<Db>;
  print(line: string): void;
  printJson(value: unknown): void;
}

export interface CommandGroup {
  name: string;
  summary: string[]; // usage lines shown by `mailhost help`
  run(action: string | undefined, argv: string[], ctx: CliContext): Promise<void>;
}

/** parseArgs with strict options; unknown flags become a UsageError. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

export function yesNo(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(yes|y|true|1|on)$/i.test(value)) return true;
  if (/^(no|n|false|0|off)$/i.test(value)) return false;
  throw new UsageError(`${flag} takes yes or no, got "${value}"`);
}

export function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number, got "${value}"`);
  return Number(value);
}

export function requirePositionals(positionals: string[], count: number, usage: string): void {
  if (positionals.length < count) throw new UsageError(`usage: mailhost ${usage}`);
}

function usage(): string {
  return ['usage: mailhost <command> [...]', '', ...commandGroups.flatMap((g) => g.summary.map((l) => `  mailhost ${l}`))].join('\n');
}

export async function main(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  let db: Db | undefined;
  try {
    const [groupName, action, ...rest] = argv;
    if (!groupName || groupName === 'help' || groupName === '--help' || groupName === '-h') {
      out(usage());
      return groupName ? 0 : 2;
    }
    const group = commandGroups.find((g) => g.name === groupName);
    if (!group) throw new UsageError(`unknown command "${groupName}" (try: mailhost help)`);
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
    await group.run(action, rest, ctx);
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
