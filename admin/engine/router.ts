// The generic engine: from a ResourceDef it serves
//   GET  /<name>              list (15 rows a page, search row, page links)
//   GET  /<name>/new          add form          POST /<name>/new          create
//   GET  /<name>/:id?tab=x    edit form (tab)   POST /<name>/:id          update one tab
//   GET  /<name>/:id/delete   confirmation      POST /<name>/:id/delete   delete
// Every row is read through the resource's scope: outside it, the answer is 404.
import express, { type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { MailhostError } from '../../lib/errors';
import { recordAudit } from '../../lib/audit';
import { isMysql } from '../../lib/db';
import type {} from 'express-session';
import { translateError } from '../i18n';
import type { Action, Ctx, FieldDef, Option, ResourceDef, Role, TabDef, Values } from './types';

export const PAGE_SIZE = 15;

export class HttpError extends Error {
  constructor(readonly status: number, message = 'Not found') {
    super(message);
  }
}
export const notFoundHttp = () => new HttpError(404);

export function ctxOf(res: Response): Ctx {
  const ctx = res.locals.ctx as Ctx | undefined;
  if (!ctx) throw notFoundHttp(); // not logged in: auth middleware redirects before this
  return ctx;
}

export function can(res: ResourceDef, role: Role, action: Action): boolean {
  return !!res.permissions[role]?.includes(action);
}

export function flash(req: Request, type: 'success' | 'danger' | 'info', text: string): void {
  const s = req.session as unknown as { flash?: { type: string; text: string }[] };
  (s.flash ??= []).push({ type, text });
}

function roleAllowed(roles: Role[] | undefined, role: Role): boolean {
  return !roles || roles.includes(role);
}

/** Fields this principal sees, for which the feature exists (table present...). */
async function visibleFields(res: ResourceDef, ctx: Ctx): Promise<FieldDef[]> {
  const out: FieldDef[] = [];
  for (const f of res.fields) {
    if (!roleAllowed(f.roles, ctx.principal.role)) continue;
    if (f.available && !(await f.available(ctx.db))) continue;
    out.push(f);
  }
  return out;
}

interface VisibleTab {
  def: TabDef;
  fields: FieldDef[];
}

async function visibleTabs(res: ResourceDef, ctx: Ctx, fields: FieldDef[]): Promise<VisibleTab[]> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  if (!res.tabs) return [{ def: { name: 'main', label: `res.${res.name}.one`, fields: fields.map((f) => f.name) }, fields }];
  const out: VisibleTab[] = [];
  for (const tab of res.tabs) {
    if (!roleAllowed(tab.roles, ctx.principal.role)) continue;
    if (tab.available && !(await tab.available(ctx.db))) continue;
    const tf = tab.fields.map((n) => byName.get(n)).filter((f): f is FieldDef => !!f);
    if (tf.length) out.push({ def: tab, fields: tf });
  }
  return out;
}

/** The scoped query with the resource's joins; `id` always the resource's own id. */
function scoped(res: ResourceDef, ctx: Ctx): Knex.QueryBuilder {
  const q = res.scope(ctx.db, ctx.principal);
  return res.select ? res.select(q, ctx.db) : q.select(`${res.table}.*`);
}

export async function loadRow(res: ResourceDef, ctx: Ctx, idParam: unknown): Promise<Record<string, unknown>> {
  if (typeof idParam !== 'string' || !/^\d{1,10}$/.test(idParam)) throw notFoundHttp();
  const row = await scoped(res, ctx).where(`${res.table}.id`, Number(idParam)).first();
  if (!row) throw notFoundHttp();
  return res.decorate ? (await res.decorate(ctx, [row]))[0] : row;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// ------------------------------------------------------------------ form values

type Raw = Record<string, string>;

/** Raw strings for the inputs, from a row (edit) or defaults (add). */
function rawFromRow(fields: FieldDef[], row: Record<string, unknown> | null): Raw {
  const raw: Raw = {};
  for (const f of fields) {
    const v = row ? row[f.name] : f.default;
    if (f.type === 'checkbox') raw[f.name] = v ? '1' : '';
    else if (f.type === 'password') raw[f.name] = '';
    else if (f.type === 'datetime') raw[f.name] = toLocalInput(v);
    else if (f.type === 'targets') raw[f.name] = (Array.isArray(v) ? v : String(v ?? '').split(/[,;\s]+/)).filter(Boolean).join('\n');
    else raw[f.name] = v == null ? '' : String(v);
  }
  return raw;
}

/** ISO/Date -> the value of an <input type="datetime-local"> in the server's time zone. */
function toLocalInput(v: unknown): string {
  if (v == null || v === '') return '';
  const d = v instanceof Date ? v : new Date(String(v));
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function bodyString(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (Array.isArray(v)) return v.map(String).join('\n');
  return v == null ? '' : String(v);
}

interface Parsed {
  values: Values;
  raw: Raw;
  errors: Record<string, string>;
}

async function optionValues(f: FieldDef, ctx: Ctx): Promise<Option[]> {
  return f.options ? f.options(ctx) : [];
}

/** Reads the submitted fields; a reference outside the principal's scope throws 404. */
async function parseBody(fields: FieldDef[], body: Record<string, unknown>, ctx: Ctx, creating: boolean): Promise<Parsed> {
  const values: Values = {};
  const raw: Raw = {};
  const errors: Record<string, string> = {};
  const required = (f: FieldDef) => (errors[f.name] = ctx.t('err.required'));
  for (const f of fields) {
    if (f.createOnly && !creating) continue;
    const s = bodyString(body, f.name);
    switch (f.type) {
      case 'checkbox':
        raw[f.name] = s === '1' ? '1' : '';
        values[f.name] = s === '1';
        break;
      case 'number': {
        raw[f.name] = s.trim();
        if (s.trim() === '') {
          if (f.required) required(f);
          else if (f.default !== undefined) values[f.name] = f.default;
        } else if (!/^-?\d+$/.test(s.trim())) errors[f.name] = ctx.t('err.number');
        else {
          const n = Number(s.trim());
          if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) errors[f.name] = ctx.t('err.range', { min: f.min ?? '', max: f.max ?? '' });
          else values[f.name] = n;
        }
        break;
      }
      case 'select': {
        raw[f.name] = s;
        if (s === '') {
          if (f.required) required(f);
          else values[f.name] = null;
          break;
        }
        const opts = await optionValues(f, ctx);
        if (!opts.some((o) => o.value === s)) {
          if (f.ref) throw notFoundHttp(); // someone else's object, or none
          errors[f.name] = ctx.t('err.choice');
          break;
        }
        values[f.name] = s;
        break;
      }
      case 'password': {
        const generate = bodyString(body, `${f.name}_generate`) === '1';
        raw[`${f.name}_generate`] = generate ? '1' : '';
        raw[f.name] = ''; // never sent back to the browser
        if (generate) values[`${f.name}_generate`] = true;
        else if (s !== '') values[f.name] = s;
        else if (creating && f.required) required(f);
        break;
      }
      case 'address': {
        const local = bodyString(body, `${f.name}_local`).trim();
        const domain = bodyString(body, `${f.name}_domain`);
        raw[`${f.name}_local`] = local;
        raw[`${f.name}_domain`] = domain;
        if (!domain) {
          required(f);
          break;
        }
        const opts = await optionValues(f, ctx);
        const opt = opts.find((o) => o.value === domain);
        if (!opt) throw notFoundHttp();
        if (!local) {
          required(f);
          break;
        }
        values[f.name] = { local, domain_id: Number(domain), domain: opt.label ?? '' };
        break;
      }
      case 'datetime': {
        raw[f.name] = s.trim();
        if (s.trim() === '') {
          if (f.required) required(f);
          else values[f.name] = null;
        } else {
          const d = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?$/.test(s.trim()) ? new Date(s.trim().replace(' ', 'T')) : null;
          if (!d || Number.isNaN(d.getTime())) errors[f.name] = ctx.t('err.datetime');
          else values[f.name] = d.toISOString();
        }
        break;
      }
      default: {
        // text, targets, textarea
        const v = f.type === 'targets' || f.type === 'textarea' ? s.replace(/\r\n/g, '\n') : s.trim();
        raw[f.name] = v;
        if (v.trim() === '' && f.required) required(f);
        else if (f.maxLength && v.length > f.maxLength) errors[f.name] = ctx.t('err.too_long', { max: f.maxLength });
        else values[f.name] = v;
      }
    }
  }
  return { values, raw, errors };
}

// ------------------------------------------------------------------ view models

interface FieldView {
  def: FieldDef;
  raw: Raw;
  error?: string;
  readonly: boolean;
  display?: string;
  options: Option[];
}

async function fieldViews(fields: FieldDef[], raw: Raw, errors: Record<string, string>, ctx: Ctx, row: Record<string, unknown> | null): Promise<FieldView[]> {
  const out: FieldView[] = [];
  for (const f of fields) {
    const readonly = !!row && !!f.createOnly;
    out.push({
      def: f,
      raw,
      error: errors[f.name],
      readonly,
      display: readonly ? (f.display ? f.display(row!, ctx) : String(row![f.name] ?? '')) : undefined,
      options: !readonly && (f.type === 'select' || f.type === 'address') ? await optionValues(f, ctx) : [],
    });
  }
  return out;
}

function listUrl(res: ResourceDef): string {
  return `/${res.name}`;
}

async function renderForm(
  req: Request,
  response: Response,
  res: ResourceDef,
  ctx: Ctx,
  opts: { row: Record<string, unknown> | null; tabs: VisibleTab[]; tab: VisibleTab; raw: Raw; errors: Record<string, string>; formError?: string; status?: number },
): Promise<void> {
  const { row, tabs, tab } = opts;
  const id = row ? Number(row.id) : null;
  response.status(opts.status ?? 200).render('form', {
    res,
    title: row ? res.label(row) : ctx.t(`res.${res.name}.add`),
    heading: ctx.t(`res.${res.name}.one`),
    mode: row ? 'edit' : 'add',
    action: row ? `/${res.name}/${id}${tabs.length > 1 ? `?tab=${encodeURIComponent(tab.def.name)}` : ''}` : `/${res.name}/new`,
    tabs: row
      ? tabs.map((tb) => ({ name: tb.def.name, label: ctx.t(tb.def.label), href: `/${res.name}/${id}?tab=${encodeURIComponent(tb.def.name)}`, active: tb === tab }))
      : [],
    tabName: tab.def.name,
    fields: await fieldViews(tab.fields, opts.raw, opts.errors, ctx, row),
    formError: opts.formError,
    cancelUrl: can(res, ctx.principal.role, 'list') ? listUrl(res) : '/',
    deleteUrl: row && can(res, ctx.principal.role, 'delete') && (!res.canDelete || res.canDelete(row, ctx.principal)) ? `/${res.name}/${id}/delete` : null,
  });
}

/** Puts a lib error next to its field when that field is on the form, else on top. */
function placeError(err: MailhostError, fields: FieldDef[], ctx: Ctx, errors: Record<string, string>): string | undefined {
  const text = translateError(ctx.t, err);
  const f = err.field && fields.find((x) => x.name === err.field || x.name === err.field!.replace(/_id$/, ''));
  if (f) {
    errors[f.name] = text;
    return undefined;
  }
  return text;
}

// ------------------------------------------------------------------ router

export function resourceRouter(res: ResourceDef): express.Router {
  const router = express.Router();
  const base = listUrl(res);

  async function need(response: Response, action: Action): Promise<Ctx> {
    const ctx = ctxOf(response);
    if (!can(res, ctx.principal.role, action)) throw notFoundHttp();
    if (res.available && !(await res.available(ctx.db))) throw notFoundHttp();
    return ctx;
  }

  // @route GET /<name>
  router.get('/', async (req, response) => {
    const ctx = await need(response, 'list');
    const role = ctx.principal.role;
    const q = scoped(res, ctx);
    const search: Record<string, string> = {};
    const searchDefs = res.list.search.filter((s) => roleAllowed(s.roles, role));
    const searchViews = [];
    for (const s of searchDefs) {
      const v = typeof req.query[`q_${s.name}`] === 'string' ? String(req.query[`q_${s.name}`]).trim().slice(0, 200) : '';
      search[s.name] = v;
      if (v) {
        // backslash is MariaDB's default LIKE escape; SQLite needs it spelled out
        if (s.type === 'text') q.whereRaw(`LOWER(??) LIKE ?${isMysql(ctx.db) ? '' : ` ESCAPE '\\'`}`, [s.column, `%${escapeLike(v.toLowerCase())}%`]);
        else if (s.type === 'bool') q.where(s.column, v === '1');
        else q.where(s.column, v);
      }
      searchViews.push({ def: s, value: v, options: s.options ? await s.options(ctx) : [] });
    }
    const [{ n }] = await q.clone().clearSelect().clearOrder().count({ n: '*' });
    const total = Number(n);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const pageParam = Number(req.query.page);
    const page = Number.isInteger(pageParam) && pageParam >= 1 ? Math.min(pageParam, pages) : 1;
    const found = await q
      .orderBy(res.orderBy)
      .orderBy(`${res.table}.id`)
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE);
    const rows = res.decorate ? await res.decorate(ctx, found) : found;
    const columns = res.list.columns.filter((c) => roleAllowed(c.roles, role));
    const canDel = can(res, role, 'delete');
    const qs = (p: number) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(search)) if (v) params.set(`q_${k}`, v);
      if (p > 1) params.set('page', String(p));
      const s = params.toString();
      return s ? `${base}?${s}` : base;
    };
    response.render('list', {
      res,
      title: ctx.t(`res.${res.name}.title`),
      columns,
      rows: rows.map((row: Record<string, unknown>) => ({
        row,
        editUrl: can(res, role, 'edit') ? `${base}/${row.id}` : null,
        deleteUrl: canDel && (!res.canDelete || res.canDelete(row, ctx.principal)) ? `${base}/${row.id}/delete` : null,
      })),
      search: searchViews,
      searching: Object.values(search).some(Boolean),
      total,
      page,
      pages,
      pageUrl: qs,
      addUrl: can(res, role, 'create') ? `${base}/new` : null,
      showDeleteColumn: canDel,
    });
  });

  // @route GET /<name>/new
  router.get('/new', async (req, response) => {
    const ctx = await need(response, 'create');
    const fields = await visibleFields(res, ctx);
    const [first] = await visibleTabs(res, ctx, fields);
    await renderForm(req, response, res, ctx, { row: null, tabs: [first], tab: first, raw: rawFromRow(first.fields, null), errors: {} });
  });

  // @route POST /<name>/new
  router.post('/new', async (req, response) => {
    const ctx = await need(response, 'create');
    const fields = await visibleFields(res, ctx);
    const [first] = await visibleTabs(res, ctx, fields);
    const parsed = await parseBody(first.fields, req.body ?? {}, ctx, true);
    let formError: string | undefined;
    if (!Object.keys(parsed.errors).length) {
      try {
        const values = res.onBeforeSave ? await res.onBeforeSave(ctx, parsed.values, null) : parsed.values;
        if (!res.onInsert) throw notFoundHttp();
        const { id, notice } = await res.onInsert(ctx, values);
        if (res.onAfterSave) await res.onAfterSave(ctx, id, values, true);
        const row = await scoped(res, ctx).where(`${res.table}.id`, id).first();
        const label = row ? res.label(row) : String(id);
        await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action: 'create', resource: res.name, objectId: id, objectLabel: label, fields: Object.keys(values) });
        flash(req, 'success', ctx.t('flash.created', { name: label }));
        if (notice) flash(req, 'info', notice);
        return response.redirect(303, can(res, ctx.principal.role, 'list') ? base : `${base}/${id}`);
      } catch (err) {
        if (!(err instanceof MailhostError)) throw err;
        formError = placeError(err, first.fields, ctx, parsed.errors);
      }
    }
    await renderForm(req, response, res, ctx, { row: null, tabs: [first], tab: first, raw: parsed.raw, errors: parsed.errors, formError, status: 422 });
  });

  async function editContext(req: Request, response: Response) {
    const ctx = await need(response, 'edit');
    const row = await loadRow(res, ctx, req.params.id);
    const fields = await visibleFields(res, ctx);
    const tabs = await visibleTabs(res, ctx, fields);
    const wanted = typeof req.query.tab === 'string' ? req.query.tab : '';
    const tab = tabs.find((t) => t.def.name === wanted) ?? tabs[0];
    if (!tab) throw notFoundHttp();
    return { ctx, row, tabs, tab };
  }

  // @route GET /<name>/:id
  router.get('/:id', async (req, response) => {
    const { ctx, row, tabs, tab } = await editContext(req, response);
    const source = tab.def.load ? { ...row, ...(await tab.def.load(ctx, row)) } : row;
    await renderForm(req, response, res, ctx, { row, tabs, tab, raw: rawFromRow(tab.fields, source), errors: {} });
  });

  // @route POST /<name>/:id
  router.post('/:id', async (req, response) => {
    const { ctx, row, tabs, tab } = await editContext(req, response);
    const parsed = await parseBody(tab.fields, req.body ?? {}, ctx, false);
    let formError: string | undefined;
    if (!Object.keys(parsed.errors).length) {
      try {
        const values = res.onBeforeSave ? await res.onBeforeSave(ctx, parsed.values, row) : parsed.values;
        let notice: string | undefined;
        if (tab.def.save) await tab.def.save(ctx, row, values);
        else if (res.onUpdate) notice = (await res.onUpdate(ctx, row, values))?.notice;
        else throw notFoundHttp();
        if (res.onAfterSave) await res.onAfterSave(ctx, Number(row.id), values, false);
        const label = res.label(row);
        await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action: 'update', resource: res.name, objectId: Number(row.id), objectLabel: label, fields: Object.keys(values) });
        flash(req, 'success', ctx.t('flash.saved', { name: label }));
        if (notice) flash(req, 'info', notice);
        const back = can(res, ctx.principal.role, 'list') ? base : `${base}/${row.id}${tabs.length > 1 ? `?tab=${encodeURIComponent(tab.def.name)}` : ''}`;
        return response.redirect(303, back);
      } catch (err) {
        if (!(err instanceof MailhostError)) throw err;
        formError = placeError(err, tab.fields, ctx, parsed.errors);
      }
    }
    await renderForm(req, response, res, ctx, { row, tabs, tab, raw: parsed.raw, errors: parsed.errors, formError, status: 422 });
  });

  // @route GET /<name>/:id/delete  (confirmation page: works without JavaScript)
  router.get('/:id/delete', async (req, response) => {
    const ctx = await need(response, 'delete');
    const row = await loadRow(res, ctx, req.params.id);
    if (res.canDelete && !res.canDelete(row, ctx.principal)) {
      flash(req, 'danger', ctx.t('flash.undeletable', { name: res.label(row) }));
      return response.redirect(303, base);
    }
    response.render('confirm', {
      res,
      title: ctx.t('confirm.title'),
      question: ctx.t('confirm.question', { what: ctx.t(`res.${res.name}.one`), name: res.label(row) }),
      action: `${base}/${row.id}/delete`,
      cancelUrl: base,
    });
  });

  // @route POST /<name>/:id/delete
  router.post('/:id/delete', async (req, response) => {
    const ctx = await need(response, 'delete');
    const row = await loadRow(res, ctx, req.params.id);
    const label = res.label(row);
    try {
      if (res.canDelete && !res.canDelete(row, ctx.principal)) throw new MailhostError('forbidden', 'cannot be deleted');
      if (!res.onDelete) throw notFoundHttp();
      await res.onDelete(ctx, row);
      await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action: 'delete', resource: res.name, objectId: Number(row.id), objectLabel: label });
      flash(req, 'success', ctx.t('flash.deleted', { name: label }));
    } catch (err) {
      if (!(err instanceof MailhostError)) throw err;
      const text = translateError(ctx.t, err);
      flash(req, 'danger', text === err.message ? ctx.t('flash.undeletable', { name: label }) : text);
    }
    response.redirect(303, base);
  });

  return router;
}
