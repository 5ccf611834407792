// The one command-line parser: argv of a declared command -> typed flags and named positionals,
// or a one-line UsageError. Like node's parseArgs (strict), except that a negative number is a
// value (`--threshold -100`), values are converted by type, and positionals are checked.
import type { Command, FlagDef } from './types';
import { UsageError, orList } from './errors';
import { convertFlag, isNegativeNumber } from './values';
import { usageLine } from './help';

export type Parsed =
  | { help: true }
  | { help: false; flags: Record<string, unknown>; args: Record<string, unknown> };

type Found = { name: string; def: FlagDef } | undefined;

function findFlag(cmd: Command, arg: string): Found {
  const flags = cmd.flags ?? {};
  if (arg.startsWith('--')) return Object.hasOwn(flags, arg.slice(2)) ? { name: arg.slice(2), def: flags[arg.slice(2)] } : undefined;
  const name = Object.keys(flags).find((k) => flags[k].short !== undefined && `-${flags[k].short}` === arg);
  return name === undefined ? undefined : { name, def: flags[name] };
}

/** `-x`, `--x`, `--x=v`: a flag; `-`, `-5`, `-0.5`: a value. */
function isFlagLike(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-') && !isNegativeNumber(arg);
}

/** Splits argv into flag values (converted) and positionals; `--` ends the flags. */
function scan(cmd: Command, group: string, argv: string[]): { help: boolean; flags: Record<string, unknown>; positionals: string[] } {
  const flags: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isFlagLike(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const token = eq < 0 ? arg : arg.slice(0, eq);
    if (token === '--help' || token === '-h') return { help: true, flags, positionals };
    const found = findFlag(cmd, token);
    if (!found) throw new UsageError(`Unknown option '${token}' (see mailhost ${group} --help)`);
    const { name, def } = found;
    let text = eq < 0 ? undefined : arg.slice(eq + 1);
    if (def.type === 'boolean') {
      if (text !== undefined) throw new UsageError(`Option '${token}' does not take an argument`);
    } else if (text === undefined) {
      text = argv[++i];
      if (text === undefined) throw new UsageError(`Option '${token} <value>' argument missing`);
      if (isFlagLike(text)) throw new UsageError(`Option '${token}' argument is ambiguous: to give a value starting with a dash, write ${token}=${text}`);
    }
    const value = convertFlag(def, token, text ?? '');
    flags[name] = def.multiple ? [...((flags[name] as unknown[] | undefined) ?? []), value] : value;
  }
  return { help: false, flags, positionals };
}

function checkGroups(cmd: Command, group: string, flags: Record<string, unknown>): void {
  for (const g of cmd.groups ?? []) {
    const given = g.flags.filter((f) => flags[f] !== undefined);
    const names = g.flags.map((f) => `--${f}`);
    if (given.length > 1 || (g.required && !given.length)) {
      const msg = `give ${orList(names)}${given.length ? `, not ${g.flags.length > 2 ? 'several' : 'both'}` : ''}`;
      throw new UsageError(g.required ? `${msg} (usage: mailhost ${usageLine(group, cmd)})` : msg);
    }
  }
}

function namedPositionals(cmd: Command, group: string, positionals: string[]): Record<string, unknown> {
  const usage = () => new UsageError(`usage: mailhost ${usageLine(group, cmd)}`);
  const args: Record<string, unknown> = {};
  let i = 0;
  for (const p of cmd.positionals ?? []) {
    if (i >= positionals.length) {
      if (p.optional) continue;
      throw p.missing ? new UsageError(p.missing) : usage();
    }
    if (p.variadic) {
      args[p.name] = positionals.slice(i);
      i = positionals.length;
      continue;
    }
    const text = positionals[i++];
    if (p.type === 'int' && !/^\d+$/.test(text)) throw new UsageError(`<${p.name}> takes a whole number, got "${text}" (usage: mailhost ${usageLine(group, cmd)})`);
    args[p.name] = p.type === 'int' ? Number(text) : text;
  }
  if (i < positionals.length) throw new UsageError(`unexpected argument "${positionals[i]}" (${cmd.extra ?? `usage: mailhost ${usageLine(group, cmd)}`})`);
  return args;
}

/** Validates argv against the declaration; `--help` anywhere among the flags asks for help instead. */
export function parseCommand(cmd: Command, group: string, argv: string[]): Parsed {
  const { help, flags, positionals } = scan(cmd, group, argv);
  if (help) return { help: true };
  checkGroups(cmd, group, flags);
  return { help: false, flags, args: namedPositionals(cmd, group, positionals) };
}
