// From argv to one declared command and its parsed input, or to the help asked for.
import type { Command, CommandGroup } from './types';
import { UsageError } from './errors';
import { parseCommand } from './parse';
import { overview, groupHelp } from './help';

export type Dispatched =
  | { help: string; code: number }
  | { help?: undefined; code?: undefined; group: CommandGroup; command: Command; action: string | undefined; flags: Record<string, unknown>; args: Record<string, unknown> };

const HELP = ['--help', '-h'];

function findGroup(groups: readonly CommandGroup[], name: string): CommandGroup {
  const group = groups.find((g) => g.name === name);
  if (!group) throw new UsageError(`unknown command "${name}" (try: mailhost help)`);
  return group;
}

/** `mailhost` alone shows the overview and exits 2; `help`, `help <group>`, `<group> --help` exit 0. */
export function dispatch(groups: readonly CommandGroup[], argv: string[]): Dispatched {
  const [name, ...rest] = argv;
  if (!name) return { help: overview(groups), code: 2 };
  if (name === 'help' || HELP.includes(name)) return { help: rest[0] ? groupHelp(findGroup(groups, rest[0])) : overview(groups), code: 0 };
  const group = findGroup(groups, name);
  // a group may be a command itself and have actions too (`mailhost stats`, `mailhost stats rollup`)
  const named = rest[0] !== undefined && group.commands.some((c) => c.name !== undefined && (c.name === rest[0] || c.aliases?.includes(rest[0])));
  const whole = named ? undefined : group.commands.find((c) => c.name === undefined);
  const action = whole ? undefined : rest.shift();
  if (action !== undefined && HELP.includes(action)) return { help: groupHelp(group), code: 0 };
  const command = whole ?? group.commands.find((c) => c.name === action || c.aliases?.includes(action ?? ''));
  if (!command) throw new UsageError(`usage: mailhost ${group.name} ${group.commands.map((c) => c.name).join('|')} ...`);
  const parsed = parseCommand(command, group.name, rest);
  if (parsed.help) return { help: groupHelp(group, whole ? undefined : command), code: 0 };
  return { group, command, action, flags: parsed.flags, args: parsed.args };
}
