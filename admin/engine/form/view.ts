// The add/edit form page: each field as the view draws it (views/partials/field.ejs and the
// input partial of its kind), with the time-zone choice before the first date.
import type { Response } from 'express';
import { can, canDeleteRow, type VisibleTab } from '../access';
import { tabLinks, type Env } from '../env';
import { timeZones } from '../time';
import type { Ctx, FieldDef, Option } from '../types';
import { FIELD_KINDS, type Raw } from './kinds';
import { optionsOf } from './kinds/kind';

export interface FieldView {
  def: FieldDef;
  raw: Raw;
  error?: string;
  readonly: boolean;
  display?: string;
  options: Option[];
  /** from the field's kind: the partial of its input and how the row is laid out */
  input: string;
  wholeRow: boolean;
  labelFor: string;
  ownError: boolean;
  /** the "required" star beside the label */
  star: boolean;
}

const TZ_FIELD: FieldDef = { name: '_tz', type: 'select', label: 'field.time_zone', help: 'help.time_zone' };

function fieldView(f: FieldDef, raw: Raw, error: string | undefined, row: Record<string, unknown> | null, options: Option[], ctx: Ctx): FieldView {
  const kind = FIELD_KINDS[f.type];
  const readonly = !!row && !!f.createOnly;
  return {
    def: f,
    raw,
    error,
    readonly,
    display: readonly ? (f.display ? f.display(row!, ctx) : String(row![f.name] ?? '')) : undefined,
    options,
    input: kind.input,
    wholeRow: !!kind.wholeRow,
    labelFor: `f_${f.name}${kind.labelSuffix ?? ''}`,
    ownError: !!kind.ownError,
    star: !!f.required && !readonly && !(kind.optionalOnEdit && row),
  };
}

async function fieldViews(fields: FieldDef[], raw: Raw, errors: Record<string, string>, ctx: Ctx, row: Record<string, unknown> | null): Promise<FieldView[]> {
  const out: FieldView[] = [];
  for (const f of fields) {
    if (f.type === 'datetime' && !out.some((v) => v.def === TZ_FIELD)) {
      // the zone the dates below are in, before the first of them
      const zones = timeZones().map((z) => ({ value: z, label: z.replace(/_/g, ' ') }));
      out.push(fieldView(TZ_FIELD, { _tz: ctx.timeZone }, undefined, null, zones, ctx));
    }
    const readonly = !!row && !!f.createOnly;
    const options = !readonly && FIELD_KINDS[f.type].choices ? await optionsOf(f, ctx) : [];
    out.push(fieldView(f, raw, errors[f.name], row, options, ctx));
  }
  return out;
}

export interface FormState {
  row: Record<string, unknown> | null;
  tabs: VisibleTab[];
  tab: VisibleTab;
  raw: Raw;
  errors: Record<string, string>;
  formError?: string;
  status?: number;
}

export async function renderForm(response: Response, env: Env, opts: FormState): Promise<void> {
  const { ctx, r, base } = env;
  const { row, tabs, tab } = opts;
  const id = row ? Number(row.id) : null;
  const tabQuery = tabs.length > 1 ? `?tab=${encodeURIComponent(tab.def.name)}` : '';
  const fields = await fieldViews(tab.fields, opts.raw, opts.errors, ctx, row);
  response.status(opts.status ?? 200).render('form', {
    res: r,
    title: row ? r.label(row) : ctx.t(`res.${r.name}.add`),
    heading: ctx.t(`res.${r.name}.one`),
    mode: row ? 'edit' : 'add',
    action: row ? `${base}/${id}${tabQuery}` : `${base}/new`,
    tabs: row && tabs.length > 1 ? tabLinks(r, ctx, id!, tabs, tab.def.name) : [],
    parentTabs: env.parentTabs,
    parentTitle: env.parentTitle,
    parentIcon: env.parentIcon,
    tabName: tab.def.name,
    fields,
    multipart: fields.some((f) => FIELD_KINDS[f.def.type].multipart),
    formError: opts.formError,
    submitLabel: ctx.t(!row && r.addButton ? r.addButton : 'common.save'),
    cancelUrl: can(r, ctx.principal.role, 'list') ? base : '/',
    // on the main tab only, and naming what goes: from the Spam filter tab, "Delete" read as
    // "delete these settings" and removed the whole mailbox
    deleteUrl: row && tab === tabs.find((t) => !t.def.child) && canDeleteRow(r, row, ctx.principal) ? `${base}/${id}/delete` : null,
    deleteLabel: ctx.t('common.delete_this', { what: ctx.t(`res.${r.name}.one`).toLowerCase() }),
  });
}
