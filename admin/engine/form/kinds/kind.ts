// What the engine knows about one field type: how a stored value becomes the form's input
// text, how a posted input becomes a typed value (or an error), and which partial draws it.
// The table of all types is kinds/index.ts.
import type { Ctx, FieldDef, Option, Values } from '../../types';

/** The strings the form shows, by input name (a field may have several inputs: address_local...). */
export type Raw = Record<string, string>;

/** One posted field, with what its parser needs. */
export interface FieldInput {
  f: FieldDef;
  /** the posted body (strings, arrays of strings, uploaded files) */
  body: Record<string, unknown>;
  /** the field's posted text ('' when absent) */
  text: string;
  ctx: Ctx;
  creating: boolean;
}

/** What a parser read: the inputs to show again, the typed values (none when left out), an error. */
export interface ParsedField {
  raw: Raw;
  values: Values;
  error?: string;
}

export interface FieldKind {
  /** the input's text for a stored value (edit form) or the field's default (add form) */
  toRaw(value: unknown, f: FieldDef, ctx: Ctx): string;
  parse(input: FieldInput): Promise<ParsedField> | ParsedField;
  /** the input offers the field's options (loaded for the form) */
  choices?: boolean;
  /** partial drawing the input, relative to views/partials/ */
  input: string;
  /** the partial draws the whole row itself (label beside the box: checkbox) */
  wholeRow?: boolean;
  /** the label points at this input of the field (id suffix), e.g. '_local' */
  labelSuffix?: string;
  /** the partial shows the field's error itself */
  ownError?: boolean;
  /** a required field that may be left empty on edit (password: unchanged) */
  optionalOnEdit?: boolean;
  /** the form must be sent as multipart/form-data */
  multipart?: boolean;
}

/** A field read into one input and one value. */
export const accepted = (f: FieldDef, raw: string, value: unknown): ParsedField => ({ raw: { [f.name]: raw }, values: { [f.name]: value } });

/** A field read into one input and no value (left empty, nothing to store). */
export const omitted = (f: FieldDef, raw: string): ParsedField => ({ raw: { [f.name]: raw }, values: {} });

/** A field refused with an error message key. */
export const refused = (input: FieldInput, raw: string, key: string, vars?: Record<string, unknown>): ParsedField => ({ raw: { [input.f.name]: raw }, values: {}, error: input.ctx.t(key, vars) });

/** The field's options (select, checkboxes, address domains). */
export async function optionsOf(f: FieldDef, ctx: Ctx): Promise<Option[]> {
  return f.options ? f.options(ctx) : [];
}
