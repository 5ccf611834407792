// One converter per flag type: the text of a flag becomes what the handler gets, or a usage error.
import type { FlagDef, FlagType } from './types';
import { UsageError, orList } from './errors';

type Convert = (value: string, flag: string, def: FlagDef) => string | number | boolean;

const YES = /^(yes|y|true|1|on)$/i;
const NO = /^(no|n|false|0|off)$/i;

const converters: Record<Exclude<FlagType, 'boolean'>, Convert> = {
  string: (value) => value,
  int(value, flag) {
    if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number, got "${value}"`);
    return Number(value);
  },
  number(value, flag) {
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(value)) throw new UsageError(`${flag} takes a number, got "${value}"`);
    return Number(value);
  },
  yesno(value, flag) {
    if (YES.test(value)) return true;
    if (NO.test(value)) return false;
    throw new UsageError(`${flag} takes yes or no, got "${value}"`);
  },
  enum(value, flag, def) {
    const values = def.values ?? [];
    if (!values.includes(value)) throw new UsageError(`${flag} takes ${orList(values)}, got "${value}"`);
    return value;
  },
};

export function convertFlag(def: FlagDef, flag: string, value: string): string | number | boolean {
  if (def.type === 'boolean') return true;
  return converters[def.type](value, flag, def);
}

/** A negative number is a value (`--threshold -100`), never a flag. */
export function isNegativeNumber(arg: string): boolean {
  return /^-(\d+\.?\d*|\.\d+)$/.test(arg);
}

/** How help shows a flag's value. */
export function placeholder(def: FlagDef): string {
  if (def.arg) return def.arg;
  if (def.type === 'int' || def.type === 'number') return 'N';
  if (def.type === 'yesno') return 'yes|no';
  if (def.type === 'enum') return (def.values ?? []).join('|');
  return 'VALUE';
}
