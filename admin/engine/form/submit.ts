// Posting a form: the time zone its dates are in, the fields parsed, then the save. A lib
// refusal (MailhostError) is shown next to its field when that field is on the form, else on
// top of it; anything else is a fault for the error handler.
import type { Request } from 'express';
import { MailhostError } from '../../../lib/core';
import { translateError } from '../../i18n';
import { expectedError } from '../errors';
import { isTimeZone } from '../time';
import type { Ctx, FieldDef, FormValues } from '../types';
import { parseBody, type Parsed } from './parse';
import { formValues } from './values';

/** A form with dates says in which time zone they are; the choice is remembered in the session. */
export function takeTimeZone(req: Request, ctx: Ctx): Ctx {
  const tz = (req.body ?? {})._tz;
  if (!isTimeZone(tz)) return ctx;
  (req.session as unknown as { tz?: string }).tz = tz;
  return { ...ctx, timeZone: tz };
}

/** Puts a lib error next to its field when that field is on the form; else returns it for the top. */
export function placeError(err: MailhostError, fields: FieldDef[], ctx: Ctx, errors: Record<string, string>): string | undefined {
  const text = translateError(ctx.t, err);
  const names = [err.field, err.field?.replace(/_id$/, '')];
  const f = err.field && fields.find((x) => names.includes(x.name) || x.errorFor?.includes(err.field!));
  if (!f) return text;
  errors[f.name] = text;
  return undefined;
}

/** Saved: where to go. Not saved: the form again with its errors. */
export type Submission = { done: string } | { again: Parsed & { formError?: string } };

export async function submit(req: Request, ctx: Ctx, fields: FieldDef[], creating: boolean, save: (values: FormValues) => Promise<string>): Promise<Submission> {
  const parsed = await parseBody(fields, req.body ?? {}, ctx, creating);
  if (Object.keys(parsed.errors).length) return { again: parsed };
  try {
    return { done: await save(formValues(parsed.values)) };
  } catch (err) {
    return { again: { ...parsed, formError: placeError(expectedError(err), fields, ctx, parsed.errors) } };
  }
}
