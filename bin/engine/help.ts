// Help written from the declarations: the usage line of a command, `mailhost help` (every
// command's usage line) and `mailhost <group> --help` (each command, its help line and flags).
import type { Command, CommandGroup, FlagDef } from './types';
import { placeholder } from './values';

function flagText(name: string, def: FlagDef): string {
  const short = def.short ? `-${def.short}|` : '';
  return def.type === 'boolean' ? `${short}--${name}` : `${short}--${name} ${placeholder(def)}`;
}

function positionalText(p: NonNullable<Command['positionals']>[number]): string {
  const label = p.label ?? `<${p.name}>${p.variadic ? '...' : ''}`;
  return p.optional && label ? `[${label}]` : label;
}

/** The flags part: each flag, or its group (`[--domain D | --mailbox A]`) where the group's first member stands. */
function flagsText(cmd: Command): { required: string[]; optional: string[] } {
  const flags = cmd.flags ?? {};
  const required: string[] = [];
  const optional: string[] = [];
  const done = new Set<string>();
  for (const name of Object.keys(flags)) {
    if (done.has(name)) continue;
    const group = cmd.groups?.find((g) => g.flags.includes(name));
    if (group) {
      group.flags.forEach((f) => done.add(f));
      const parts = group.flags.map((f) => flagText(f, flags[f]));
      const bare = group.flags.every((f) => flags[f].type === 'boolean');
      if (!group.required) optional.push(`[${parts.join(' | ')}]`);
      else required.push(bare ? parts.join('|') : `(${parts.join(' | ')})`);
      continue;
    }
    optional.push(`[${flagText(name, flags[name])}]${flags[name].multiple ? '...' : ''}`);
  }
  return { required, optional };
}

/** `domain add <domain> [--quota-mb N]`: what `mailhost` must be followed by. */
export function usageLine(group: string, cmd: Command): string {
  const { required, optional } = flagsText(cmd);
  const positionals = (cmd.positionals ?? []).map(positionalText);
  const parts = cmd.flagsFirst ? [...required, ...optional, ...positionals] : [...positionals, ...required, ...optional];
  return [group, cmd.name, ...parts].filter(Boolean).join(' ');
}

const WIDTH = 100;

/** Parts of a usage line that stay together: `[--name N]`, `(--a | --b)`, `<name>`. */
function words(line: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let word = '';
  for (const ch of line) {
    if (ch === ' ' && depth === 0) {
      out.push(word);
      word = '';
      continue;
    }
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    word += ch;
  }
  return [...out, word];
}

/** `  mailhost <usage>`, wrapped under its first argument when longer than WIDTH. */
function usageLines(group: string, cmd: Command, suffix = ''): string[] {
  const head = `  mailhost ${group}${cmd.name ? ` ${cmd.name}` : ''}`;
  const indent = ' '.repeat(head.length + 1);
  const lines = [head];
  for (const w of words(usageLine(group, cmd)).slice(cmd.name ? 2 : 1)) {
    const last = lines[lines.length - 1];
    if (last.length + 1 + w.length > WIDTH && last.trim() !== '') lines.push(indent + w);
    else lines[lines.length - 1] = `${last} ${w}`;
  }
  if (lines[lines.length - 1].length + suffix.length > WIDTH) lines.push(indent + suffix.trim());
  else lines[lines.length - 1] += suffix;
  return lines;
}

/** `mailhost help`: every command's usage line, a group per paragraph. */
export function overview(groups: readonly CommandGroup[]): string {
  const lines = ['usage: mailhost <command> [...]'];
  for (const g of groups) lines.push('', ...g.commands.flatMap((c) => usageLines(g.name, c, c.note ? `   (${c.note})` : '')));
  lines.push('', '  mailhost help [<command>]   (or mailhost <command> --help: what each command and flag does)');
  return lines.join('\n');
}

function commandBlock(group: string, cmd: Command): string[] {
  const flags = Object.entries(cmd.flags ?? {}).map(([name, def]) => [flagText(name, def) + (def.multiple ? '...' : ''), def.help ?? ''] as const);
  const width = Math.max(0, ...flags.map(([text]) => text.length));
  return [
    ...usageLines(group, cmd),
    `      ${cmd.help}${cmd.note ? ` (${cmd.note})` : ''}`,
    ...flags.map(([text, help]) => `        ${text.padEnd(width)}   ${help}`.trimEnd()),
  ];
}

/** `mailhost <group> --help`: the group's commands, each with its help line and flags. */
export function groupHelp(group: CommandGroup, only?: Command): string {
  const commands = only ? [only] : group.commands;
  return [`mailhost ${group.name}: ${group.summary}`, ...commands.flatMap((c) => ['', ...commandBlock(group.name, c)])].join('\n');
}
