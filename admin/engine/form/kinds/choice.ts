// Choices among the field's options: one (select) or several (checkboxes). A value outside
// the options is a tampered form: for a reference to another resource (ref) that is someone
// else's object and the whole request answers 404, otherwise the field says so.
import { notFoundHttp } from '../../errors';
import type { Option } from '../../types';
import { accepted, optionsOf, refused, type FieldInput, type FieldKind, type ParsedField } from './kind';

function outsideOptions(i: FieldInput, raw: string): ParsedField {
  if (i.f.ref) throw notFoundHttp();
  return refused(i, raw, 'err.choice');
}

const offered = (opts: Option[], v: string) => opts.some((o) => o.value === v);

export const select: FieldKind = {
  input: 'inputs/select',
  choices: true,
  toRaw: (v) => (v == null ? '' : String(v)),
  async parse(i) {
    const s = i.text;
    if (s === '') return i.f.required ? refused(i, s, 'err.required') : accepted(i.f, s, null);
    if (!offered(await optionsOf(i.f, i.ctx), s)) return outsideOptions(i, s);
    return accepted(i.f, s, s);
  },
};

/** The posted values of a repeated input, without empty ones. */
function postedList(body: Record<string, unknown>, name: string): string[] {
  const v = body[name];
  const list = Array.isArray(v) ? v : v == null ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string' && x !== '');
}

export const checkboxes: FieldKind = {
  input: 'inputs/checkboxes',
  choices: true,
  toRaw: (v) => (Array.isArray(v) ? v : []).map(String).join('\n'),
  async parse(i) {
    const picked = [...new Set(postedList(i.body, i.f.name))];
    const raw = picked.join('\n');
    const opts = await optionsOf(i.f, i.ctx);
    if (picked.some((v) => !offered(opts, v))) return outsideOptions(i, raw);
    if (i.f.required && !picked.length) return refused(i, raw, 'err.required');
    return accepted(i.f, raw, picked);
  },
};
