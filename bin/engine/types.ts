// The shape of a declared command: what `mailhost <group> [<action>]` takes and does. The
// parser (parse.ts) validates argv against it and the help (help.ts) is written from it, the way
// admin/resources drive every admin form from one description.
import type { Db, Settings } from '../../lib/core';

/**
 * string: any text (lib validates what it means); int: a whole number >= 0; number: any decimal,
 * negative included; yesno: yes|no (and y/n, true/false, 1/0, on/off) -> boolean; enum: one of
 * `values`; boolean: present or not, takes no value.
 */
export type FlagType = 'string' | 'int' | 'number' | 'yesno' | 'enum' | 'boolean';

export interface FlagDef {
  type: FlagType;
  /** the choices of an enum */
  values?: readonly string[];
  /** may be given several times; the handler gets every value, in order */
  multiple?: boolean;
  /** a one-letter alias: -q */
  short?: string;
  /** the value's placeholder in help (default: N for numbers, the choices for enums, yes|no, VALUE) */
  arg?: string;
  /** one line for `--help` */
  help?: string;
}

export type FlagDefs = Record<string, FlagDef>;

export interface PositionalDef {
  name: string;
  /** int: a whole number >= 0 (a message id) */
  type?: 'string' | 'int';
  optional?: boolean;
  /** takes every remaining argument (one or more, none when optional) */
  variadic?: boolean;
  /** how help shows it (default <name>, [<name>] when optional, <name>... when variadic; '' hides it) */
  label?: string;
  /** the usage error when it is missing (default: the command's usage line) */
  missing?: string;
}

/** Flags of which at most one may be given, or exactly one when `required`. */
export interface FlagGroup {
  flags: readonly string[];
  required?: boolean;
}

type OneFlagValue<F extends FlagDef> = F['type'] extends 'boolean' | 'yesno'
  ? boolean
  : F['type'] extends 'int' | 'number'
    ? number
    : F['type'] extends 'enum'
      ? F['values'] extends readonly (infer V)[]
        ? V
        : string
      : string;

/** What the handler gets for its flags: undefined when not given. */
export type FlagValues<Fs extends FlagDefs> = { [K in keyof Fs]?: Fs[K]['multiple'] extends true ? OneFlagValue<Fs[K]>[] : OneFlagValue<Fs[K]> };

type OnePositional<P extends PositionalDef> = P['variadic'] extends true ? string[] : P['type'] extends 'int' ? number : string;

/** What the handler gets for its positionals, by name. */
export type PositionalValues<Ps extends readonly PositionalDef[]> = {
  [P in Ps[number] as P['name']]: P['optional'] extends true ? OnePositional<P> | undefined : OnePositional<P>;
};

export interface CliContext {
  settings: Settings;
  /** the migrated database (opened on first use) */
  db(): Promise<Db>;
  print(line: string): void;
  printJson(value: unknown): void;
}

export interface CommandInput<Fs extends FlagDefs, Ps extends readonly PositionalDef[]> {
  flags: FlagValues<Fs>;
  args: PositionalValues<Ps>;
  ctx: CliContext;
  /** the name it was called by (an action given several names, e.g. enable|disable) */
  action: string | undefined;
  /** a usage error showing this command's usage line, for checks the declaration cannot say */
  usage(): Error;
}

export interface CommandDef<Fs extends FlagDefs, Ps extends readonly PositionalDef[]> {
  /** the action (`add` in `mailhost domain add`); none: the group itself is the command (`mailhost purge`) */
  name?: string;
  /** other names of the same action (`quarantine del` for delete) */
  aliases?: readonly string[];
  positionals?: Ps;
  flags?: Fs;
  groups?: readonly FlagGroup[];
  /** help shows the flags before the positionals (`learn --spam <files...>`) */
  flagsFirst?: boolean;
  /** the hint after `unexpected argument "x"` for an argument beyond the declared positionals (default: the usage line) */
  extra?: string;
  /** one line for help */
  help: string;
  /**
   * What a successful run changed, for the audit log (as the operator, like the admin pages'
   * changes); default from the action's name (add: create, del/delete: delete, set, passwd,
   * assign, enable, disable, release, report, config: update); false = nothing to record.
   */
  audit?: 'create' | 'update' | 'delete' | false;
  /** shown after the usage line in `mailhost help` (kept short) */
  note?: string;
  run(input: CommandInput<Fs, Ps>): Promise<void>;
}

/** A declared command with its types erased, as the engine handles it. */
export type Command = CommandDef<FlagDefs, readonly PositionalDef[]>;

export interface CommandGroup {
  name: string;
  /** one line: what the group is about */
  summary: string;
  commands: Command[];
}
