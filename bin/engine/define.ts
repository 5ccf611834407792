// `command({...})`: declares a command with its flags and positionals typed for its handler.
import type { Command, CommandDef, FlagDefs, PositionalDef } from './types';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function command<const Fs extends FlagDefs = {}, const Ps extends readonly PositionalDef[] = []>(def: CommandDef<Fs, Ps>): Command {
  return def as unknown as Command;
}
