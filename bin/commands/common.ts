// Flags several command groups declare alike.
import { command, type Command, type FlagDef } from '../engine';
import type { Db } from '../../lib/core';

export const json = { type: 'boolean', help: 'print JSON' } as const satisfies FlagDef;
export const password = { type: 'string', arg: 'PW', help: 'the password (8 characters or more)' } as const satisfies FlagDef;
export const generatePassword = { type: 'boolean', help: 'generate a password and print it' } as const satisfies FlagDef;
export const quotaMb = { type: 'int', help: 'quota in MB (0 = unlimited)' } as const satisfies FlagDef;

/** `<group> del <key>`: deletes what the key names and says so. */
export function delCommand(what: string, key: string, help: string, remove: (db: Db, key: string) => Promise<unknown>): Command {
  return command({
    name: 'del',
    help,
    positionals: [{ name: key }],
    async run({ args, ctx }) {
      await remove(await ctx.db(), args[key]);
      ctx.print(`${what} ${args[key]} deleted`);
    },
  });
}
