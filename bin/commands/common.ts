// Flags several command groups declare alike.
import type { FlagDef } from '../engine';

export const json = { type: 'boolean', help: 'print JSON' } as const satisfies FlagDef;
export const password = { type: 'string', arg: 'PW', help: 'the password (8 characters or more)' } as const satisfies FlagDef;
export const generatePassword = { type: 'boolean', help: 'generate a password and print it' } as const satisfies FlagDef;
export const quotaMb = { type: 'int', help: 'quota in MB (0 = unlimited)' } as const satisfies FlagDef;
