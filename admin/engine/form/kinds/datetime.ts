// A date and time typed in the form's time zone (a datetime-local input), stored as ISO UTC.
import { fromZonedInput, toZonedInput } from '../../time';
import { accepted, refused, type FieldKind } from './kind';

export const datetime: FieldKind = {
  input: 'inputs/datetime',
  toRaw: (v, _f, ctx) => toZonedInput(v, ctx.timeZone),
  parse(i) {
    const s = i.text.trim();
    if (s === '') return i.f.required ? refused(i, s, 'err.required') : accepted(i.f, s, null);
    const d = fromZonedInput(s, i.ctx.timeZone);
    if (!d || Number.isNaN(d.getTime())) return refused(i, s, 'err.datetime');
    return accepted(i.f, s, d.toISOString());
  },
};
