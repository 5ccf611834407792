// Whole numbers within the field's min..max; empty = the default (or nothing) unless required.
import { accepted, omitted, refused, type FieldInput, type FieldKind, type ParsedField } from './kind';

export const number: FieldKind = {
  input: 'inputs/number',
  toRaw: (v) => (v == null ? '' : String(v)),
  parse(i: FieldInput): ParsedField {
    const { f } = i;
    const s = i.text.trim();
    if (s === '') {
      if (f.required) return refused(i, s, 'err.required');
      return f.default !== undefined ? accepted(f, s, f.default) : omitted(f, s);
    }
    if (!/^-?\d+$/.test(s)) return refused(i, s, 'err.number');
    const n = Number(s);
    if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return refused(i, s, 'err.range', { min: f.min ?? '', max: f.max ?? '' });
    return accepted(f, s, n);
  },
};
