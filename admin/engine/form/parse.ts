// A form's fields to and from the browser, each through the kind of its type (kinds/).
import type { Ctx, FieldDef, Values } from '../types';
import { bodyText } from './body';
import { FIELD_KINDS, type Raw } from './kinds';

/** Input texts for the form: from a row (edit) or the fields' defaults (add). */
export function rawFromRow(fields: FieldDef[], row: Record<string, unknown> | null, ctx: Ctx): Raw {
  const raw: Raw = {};
  for (const f of fields) raw[f.name] = FIELD_KINDS[f.type].toRaw(row ? row[f.name] : f.default, f, ctx);
  return raw;
}

export interface Parsed {
  values: Values;
  raw: Raw;
  errors: Record<string, string>;
}

/** Reads the submitted fields; a reference outside the principal's scope throws 404. */
export async function parseBody(fields: FieldDef[], body: Record<string, unknown>, ctx: Ctx, creating: boolean): Promise<Parsed> {
  const parsed: Parsed = { values: {}, raw: {}, errors: {} };
  for (const f of fields) {
    if (f.createOnly && !creating) continue;
    const one = await FIELD_KINDS[f.type].parse({ f, body, text: bodyText(body, f.name), ctx, creating });
    Object.assign(parsed.raw, one.raw);
    Object.assign(parsed.values, one.values);
    if (one.error) parsed.errors[f.name] = one.error;
  }
  return parsed;
}
