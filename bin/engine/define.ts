// `command({...})`: declares a command with its flags and positionals typed for its handler.
import type { Command, CommandDef, FlagDefs, PositionalDef } from './types';

// The cast erases the handler's precise input types so that commands of every shape fit in one
// list; the engine only ever hands a handler what the parser made from that same declaration.
export function command<const Fs extends FlagDefs = {}, const Ps extends readonly PositionalDef[] = []>(def: CommandDef<Fs, Ps>): Command {
  return def as unknown as Command;
}
