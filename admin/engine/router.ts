// The generic engine: from a ResourceDef it serves
//   GET  /<name>              list (15 rows a page, search row, page links)
//   GET  /<name>/new          add form          POST /<name>/new          create
//   GET  /<name>/:id?tab=x    edit form (tab)   POST /<name>/:id          update one tab
//   GET  /<name>/:id/delete   confirmation      POST /<name>/:id/delete   delete
//   POST /<name>/:id/do/:act  a row action (enable, disable...)
// A child resource (ResourceDef.parent) is served the same way under
//   /<parent>/<parent id>/<name>/...
// and shown as a tab of its parent's form.
// Every row is read through the resource's scope: outside it, the answer is 404.
import express, { type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { MailhostError, isMysql } from '../../lib/core';
import { recordAudit } from '../../lib/accounts';
import type {} from 'express-session';
import { translateError } from '../i18n';
import { fromZonedInput, isTimeZone, timeZones, toZonedInput } from './time';
import type { Action, Ctx, FieldDef, Option, ResourceDef, Role, TabDef, UploadedFile, Values } from './types';

export const PAGE_SIZE = 15;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message = 'Not found',
  ) {
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

export type Registry = Map<string, ResourceDef>;

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

/** A child resource this principal may open (exists, permitted, feature present). */
async function childUsable(registry: Registry, name: string, ctx: Ctx): Promise<ResourceDef | null> {
  const child = registry.get(name);
  if (!child || !can(child, ctx.principal.role, 'list')) return null;
  if (child.available && !(await child.available(ctx.db))) return null;
  return child;
}

async function visibleTabs(res: ResourceDef, ctx: Ctx, fields: FieldDef[], registry: Registry): Promise<VisibleTab[]> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  if (!res.tabs) return [{ def: { name: 'main', label: `res.${res.name}.one`, fields: fields.map((f) => f.name) }, fields }];
  const out: VisibleTab[] = [];
  for (const tab of res.tabs) {
    if (!roleAllowed(tab.roles, ctx.principal.role)) continue;
    if (tab.available && !(await tab.available(ctx.db))) continue;
    if (tab.child) {
      if (await childUsable(registry, tab.child, ctx)) out.push({ def: tab, fields: [] });
      continue;
    }
    const tf = tab.fields.map((n) => byName.get(n)).filter((f): f is FieldDef => !!f);
    if (tf.length) out.push({ def: tab, fields: tf });
  }
  return out;
}

interface TabLink {
  name: string;
  label: string;
  href: string;
  active: boolean;
}

function tabLinks(res: ResourceDef, ctx: Ctx, id: number, tabs: VisibleTab[], active: string): TabLink[] {
  return tabs.map((tb) => ({
    name: tb.def.name,
    label: ctx.t(tb.def.label),
    href: tb.def.child ? `/${res.name}/${id}/${tb.def.child}` : `/${res.name}/${id}?tab=${encodeURIComponent(tb.def.name)}`,
    active: tb.def.name === active,
  }));
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
function rawFromRow(fields: FieldDef[], row: Record<string, unknown> | null, ctx: Ctx): Raw {
  const raw: Raw = {};
  for (const f of fields) {
    const v = row ? row[f.name] : f.default;
    if (f.type === 'checkbox') raw[f.name] = v ? '1' : '';
    else if (f.type === 'password' || f.type === 'file') raw[f.name] = '';
    else if (f.type === 'datetime') raw[f.name] = toZonedInput(v, ctx.timeZone);
    else if (f.type === 'targets') raw[f.name] = (Array.isArray(v) ? v : String(v ?? '').split(/[,;\s]+/)).filter(Boolean).join('\n');
    else if (f.type === 'checkboxes') raw[f.name] = (Array.isArray(v) ? v : []).map(String).join('\n');
    else raw[f.name] = v == null ? '' : String(v);
  }
  return raw;
}

function bodyString(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (Array.isArray(v)) return v.map(String).join('\n');
  if (v != null && typeof v === 'object') return ''; // a file where text was expected
  return v == null ? '' : String(v);
}

function bodyList(body: Record<string, unknown>, name: string): string[] {
  const v = body[name];
  const list = Array.isArray(v) ? v : v == null ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string' && x !== '');
}

function isUpload(v: unknown): v is UploadedFile {
  return !!v && typeof v === 'object' && Buffer.isBuffer((v as UploadedFile).content) && typeof (v as UploadedFile).filename === 'string';
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
      case 'checkboxes': {
        const picked = [...new Set(bodyList(body, f.name))];
        raw[f.name] = picked.join('\n');
        const opts = await optionValues(f, ctx);
        if (picked.some((v) => !opts.some((o) => o.value === v))) {
          if (f.ref) throw notFoundHttp();
          errors[f.name] = ctx.t('err.choice');
          break;
        }
        if (f.required && !picked.length) required(f);
        else values[f.name] = picked;
        break;
      }
      case 'file': {
        const v = body[f.name];
        raw[f.name] = '';
        if (isUpload(v) && (v.filename !== '' || v.content.length)) values[f.name] = v;
        else if (f.required) required(f);
        break;
      }
      case 'password': {
        const generate = !f.noGenerate && bodyString(body, `${f.name}_generate`) === '1';
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
          const d = fromZonedInput(s.trim(), ctx.timeZone);
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

/** A form with dates says in which time zone they are; the choice is remembered in the session. */
function takeTimeZone(req: Request, ctx: Ctx): Ctx {
  const tz = (req.body ?? {})._tz;
  if (!isTimeZone(tz)) return ctx;
  (req.session as unknown as { tz?: string }).tz = tz;
  return { ...ctx, timeZone: tz };
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

const TZ_FIELD: FieldDef = { name: '_tz', type: 'select', label: 'field.time_zone', help: 'help.time_zone' };

async function fieldViews(fields: FieldDef[], raw: Raw, errors: Record<string, string>, ctx: Ctx, row: Record<string, unknown> | null): Promise<FieldView[]> {
  const out: FieldView[] = [];
  for (const f of fields) {
    const readonly = !!row && !!f.createOnly;
    if (f.type === 'datetime' && !out.some((v) => v.def === TZ_FIELD)) {
      // the zone the dates below are in, before the first of them
      out.push({ def: TZ_FIELD, raw: { _tz: ctx.timeZone }, readonly: false, options: timeZones().map((z) => ({ value: z, label: z.replace(/_/g, ' ') })) });
    }
    out.push({
      def: f,
      raw,
      error: errors[f.name],
      readonly,
      display: readonly ? (f.display ? f.display(row!, ctx) : String(row![f.name] ?? '')) : undefined,
      options: !readonly && (f.type === 'select' || f.type === 'address' || f.type === 'checkboxes') ? await optionValues(f, ctx) : [],
    });
  }
  return out;
}

/** Puts a lib error next to its field when that field is on the form, else on top. */
function placeError(err: MailhostError, fields: FieldDef[], ctx: Ctx, errors: Record<string, string>): string | undefined {
  const text = translateError(ctx.t, err);
  const names = [err.field, err.field?.replace(/_id$/, '')];
  const f = err.field && fields.find((x) => names.includes(x.name) || x.errorFor?.includes(err.field!));
  if (f) {
    errors[f.name] = text;
    return undefined;
  }
  return text;
}

// ------------------------------------------------------------------ router

/** What one request works on: the context, the resource bound to its parent, its URLs. */
interface Env {
  ctx: Ctx;
  /** the resource; for a child, its scope restricted to the parent row */
  r: ResourceDef;
  base: string;
  /** tabs of the parent form, shown above a child's pages */
  parentTabs: TabLink[];
  parentTitle?: string;
  parentIcon?: string;
}

export function resourceRouter(res: ResourceDef, registry: Registry = new Map([[res.name, res]])): express.Router {
  const router = express.Router({ mergeParams: true });

  async function envOf(req: Request, response: Response, action: Action): Promise<Env> {
    let ctx = ctxOf(response);
    if (!can(res, ctx.principal.role, action)) throw notFoundHttp();
    if (res.available && !(await res.available(ctx.db))) throw notFoundHttp();
    if (!res.parent) return { ctx, r: res, base: `/${res.name}`, parentTabs: [] };
    const parentDef = registry.get(res.parent.resource);
    if (!parentDef || !can(parentDef, ctx.principal.role, 'edit')) throw notFoundHttp();
    const parentRow = await loadRow(parentDef, ctx, (req.params as Record<string, string>).pid);
    ctx = { ...ctx, parent: parentRow };
    const key = `${res.table}.${res.parent.key}`;
    const pid = Number(parentRow.id);
    const r: ResourceDef = { ...res, scope: (db, p) => res.scope(db, p).where(key, pid) };
    const tabs = await visibleTabs(parentDef, ctx, await visibleFields(parentDef, ctx), registry);
    const mine = tabs.find((tb) => tb.def.child === res.name);
    if (!mine) throw notFoundHttp();
    return {
      ctx,
      r,
      base: `/${parentDef.name}/${pid}/${res.name}`,
      parentTabs: tabLinks(parentDef, ctx, pid, tabs, mine.def.name),
      parentTitle: `${ctx.t(`res.${parentDef.name}.one`)} : ${parentDef.label(parentRow)}`,
      parentIcon: parentDef.icon,
    };
  }

  /** Where to go after a change: the list when the role has one, else back to the form. */
  function backUrl(env: Env, id: number | null, tabs: VisibleTab[], tab?: VisibleTab): string {
    if (can(res, env.ctx.principal.role, 'list')) return env.base;
    if (id == null) return '/';
    return `${env.base}/${id}${tabs.length > 1 && tab ? `?tab=${encodeURIComponent(tab.def.name)}` : ''}`;
  }

  async function renderForm(
    response: Response,
    env: Env,
    opts: { row: Record<string, unknown> | null; tabs: VisibleTab[]; tab: VisibleTab; raw: Raw; errors: Record<string, string>; formError?: string; status?: number },
  ): Promise<void> {
    const { ctx, r, base } = env;
    const { row, tabs, tab } = opts;
    const id = row ? Number(row.id) : null;
    const role = ctx.principal.role;
    const fields = await fieldViews(tab.fields, opts.raw, opts.errors, ctx, row);
    response.status(opts.status ?? 200).render('form', {
      res: r,
      title: row ? r.label(row) : ctx.t(`res.${r.name}.add`),
      heading: ctx.t(`res.${r.name}.one`),
      mode: row ? 'edit' : 'add',
      action: row ? `${base}/${id}${tabs.length > 1 ? `?tab=${encodeURIComponent(tab.def.name)}` : ''}` : `${base}/new`,
      tabs: row && tabs.length > 1 ? tabLinks(r, ctx, id!, tabs, tab.def.name) : [],
      parentTabs: env.parentTabs,
      parentTitle: env.parentTitle,
      parentIcon: env.parentIcon,
      tabName: tab.def.name,
      fields,
      multipart: fields.some((f) => f.def.type === 'file'),
      formError: opts.formError,
      cancelUrl: can(r, role, 'list') ? base : '/',
      deleteUrl: row && can(r, role, 'delete') && (!r.canDelete || r.canDelete(row, ctx.principal)) ? `${base}/${id}/delete` : null,
    });
  }

  // @route GET /<name>
  router.get('/', async (req, response) => {
    const env = await envOf(req, response, 'list');
    const { ctx, r, base } = env;
    const role = ctx.principal.role;
    const q = scoped(r, ctx);
    const search: Record<string, string> = {};
    const searchDefs = r.list.search.filter((s) => roleAllowed(s.roles, role));
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
      .orderBy(r.orderBy)
      .orderBy(`${r.table}.id`)
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE);
    const rows = r.decorate ? await r.decorate(ctx, found) : found;
    const columns = r.list.columns.filter((c) => roleAllowed(c.roles, role));
    const canDel = can(r, role, 'delete');
    const canEdit = can(r, role, 'edit');
    const actions = canEdit ? (r.actions ?? []) : [];
    const qs = (p: number) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(search)) if (v) params.set(`q_${k}`, v);
      if (p > 1) params.set('page', String(p));
      const s = params.toString();
      return s ? `${base}?${s}` : base;
    };
    response.render('list', {
      res: r,
      baseUrl: base,
      title: ctx.t(`res.${r.name}.title`),
      parentTabs: env.parentTabs,
      parentTitle: env.parentTitle,
      parentIcon: env.parentIcon,
      columns,
      rows: rows.map((row: Record<string, unknown>) => ({
        row,
        editUrl: canEdit ? `${base}/${row.id}` : null,
        deleteUrl: canDel && (!r.canDelete || r.canDelete(row, ctx.principal)) ? `${base}/${row.id}/delete` : null,
        actions: actions.filter((a) => !a.when || a.when(row)).map((a) => ({ name: a.name, label: ctx.t(a.label), icon: a.icon, url: `${base}/${row.id}/do/${a.name}` })),
      })),
      search: searchViews,
      searching: Object.values(search).some(Boolean),
      total,
      page,
      pages,
      pageUrl: qs,
      addUrl: can(r, role, 'create') ? `${base}/new` : null,
      showDeleteColumn: canDel || actions.length > 0,
      hasActions: actions.length > 0,
    });
  });

  // @route GET /<name>/new
  router.get('/new', async (req, response) => {
    const env = await envOf(req, response, 'create');
    const fields = await visibleFields(env.r, env.ctx);
    const [first] = await visibleTabs(env.r, env.ctx, fields, registry);
    await renderForm(response, env, { row: null, tabs: [first], tab: first, raw: rawFromRow(first.fields, null, env.ctx), errors: {} });
  });

  // @route POST /<name>/new
  router.post('/new', async (req, response) => {
    const env = await envOf(req, response, 'create');
    env.ctx = takeTimeZone(req, env.ctx);
    const { ctx, r } = env;
    const fields = await visibleFields(r, ctx);
    const [first] = await visibleTabs(r, ctx, fields, registry);
    const parsed = await parseBody(first.fields, req.body ?? {}, ctx, true);
    let formError: string | undefined;
    if (!Object.keys(parsed.errors).length) {
      try {
        const values = r.onBeforeSave ? await r.onBeforeSave(ctx, parsed.values, null) : parsed.values;
        if (!r.onInsert) throw notFoundHttp();
        const { id, notice } = await r.onInsert(ctx, values);
        if (r.onAfterSave) await r.onAfterSave(ctx, id, values, true);
        const row = await scoped(r, ctx).where(`${r.table}.id`, id).first();
        const label = row ? r.label(row) : String(id);
        await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action: 'create', resource: auditName(env), objectId: id, objectLabel: label, fields: Object.keys(values) });
        flash(req, 'success', ctx.t('flash.created', { name: label }));
        if (notice) flash(req, 'info', notice);
        return response.redirect(303, backUrl(env, id, [first]));
      } catch (err) {
        if (!(err instanceof MailhostError)) throw err;
        formError = placeError(err, first.fields, ctx, parsed.errors);
      }
    }
    await renderForm(response, env, { row: null, tabs: [first], tab: first, raw: parsed.raw, errors: parsed.errors, formError, status: 422 });
  });

  function auditName(env: Env): string {
    return env.ctx.parent && res.parent ? `${res.parent.resource}/${res.name}` : res.name;
  }

  async function editContext(req: Request, response: Response) {
    const env = await envOf(req, response, 'edit');
    const row = await loadRow(env.r, env.ctx, req.params.id);
    const fields = await visibleFields(env.r, env.ctx);
    const tabs = await visibleTabs(env.r, env.ctx, fields, registry);
    const wanted = typeof req.query.tab === 'string' ? req.query.tab : '';
    const tab = tabs.find((t) => t.def.name === wanted) ?? tabs.find((t) => !t.def.child);
    if (!tab) throw notFoundHttp();
    return { env, row, tabs, tab };
  }

  // @route GET /<name>/:id
  router.get('/:id', async (req, response) => {
    const { env, row, tabs, tab } = await editContext(req, response);
    if (tab.def.child) return response.redirect(303, `${env.base}/${row.id}/${tab.def.child}`);
    const source = tab.def.load ? { ...row, ...(await tab.def.load(env.ctx, row)) } : row;
    await renderForm(response, env, { row, tabs, tab, raw: rawFromRow(tab.fields, source, env.ctx), errors: {} });
  });

  // @route POST /<name>/:id
  router.post('/:id', async (req, response) => {
    const { env, row, tabs, tab } = await editContext(req, response);
    if (tab.def.child) throw notFoundHttp();
    env.ctx = takeTimeZone(req, env.ctx);
    const { ctx, r } = env;
    const parsed = await parseBody(tab.fields, req.body ?? {}, ctx, false);
    let formError: string | undefined;
    if (!Object.keys(parsed.errors).length) {
      try {
        const values = r.onBeforeSave ? await r.onBeforeSave(ctx, parsed.values, row) : parsed.values;
        let notice: string | undefined;
        if (tab.def.save) await tab.def.save(ctx, row, values);
        else if (r.onUpdate) notice = (await r.onUpdate(ctx, row, values))?.notice;
        else throw notFoundHttp();
        if (r.onAfterSave) await r.onAfterSave(ctx, Number(row.id), values, false);
        const label = r.label(row);
        await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action: 'update', resource: auditName(env), objectId: Number(row.id), objectLabel: label, fields: Object.keys(values) });
        flash(req, 'success', ctx.t('flash.saved', { name: label }));
        if (notice) flash(req, 'info', notice);
        return response.redirect(303, backUrl(env, Number(row.id), tabs, tab));
      } catch (err) {
        if (!(err instanceof MailhostError)) throw err;
        formError = placeError(err, tab.fields, ctx, parsed.errors);
      }
    }
    await renderForm(response, env, { row, tabs, tab, raw: parsed.raw, errors: parsed.errors, formError, status: 422 });
  });

  // @route POST /<name>/:id/do/:action  (row actions: enable, disable...)
  router.post('/:id/do/:action', async (req, response) => {
    const env = await envOf(req, response, 'edit');
    const { ctx, r, base } = env;
    const action = (r.actions ?? []).find((a) => a.name === req.params.action);
    if (!action) throw notFoundHttp();
    const row = await loadRow(r, ctx, req.params.id);
    if (action.when && !action.when(row)) throw notFoundHttp();
    const label = r.label(row);
    try {
      await action.run(ctx, row);
      await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action: 'update', resource: auditName(env), objectId: Number(row.id), objectLabel: label, fields: [action.name] });
      flash(req, 'success', ctx.t('flash.saved', { name: label }));
    } catch (err) {
      if (!(err instanceof MailhostError)) throw err;
      flash(req, 'danger', translateError(ctx.t, err));
    }
    response.redirect(303, base);
  });

  // @route GET /<name>/:id/delete  (confirmation page: works without JavaScript)
  router.get('/:id/delete', async (req, response) => {
    const env = await envOf(req, response, 'delete');
    const { ctx, r, base } = env;
    const row = await loadRow(r, ctx, req.params.id);
    if (r.canDelete && !r.canDelete(row, ctx.principal)) {
      flash(req, 'danger', ctx.t('flash.undeletable', { name: r.label(row) }));
      return response.redirect(303, base);
    }
    response.render('confirm', {
      res: r,
      title: ctx.t('confirm.title'),
      question: ctx.t('confirm.question', { what: ctx.t(`res.${r.name}.one`), name: r.label(row) }),
      action: `${base}/${row.id}/delete`,
      cancelUrl: base,
    });
  });

  // @route POST /<name>/:id/delete
  router.post('/:id/delete', async (req, response) => {
    const env = await envOf(req, response, 'delete');
    const { ctx, r, base } = env;
    const row = await loadRow(r, ctx, req.params.id);
    const label = r.label(row);
    try {
      if (r.canDelete && !r.canDelete(row, ctx.principal)) throw new MailhostError('forbidden', 'cannot be deleted');
      if (!r.onDelete) throw notFoundHttp();
      await r.onDelete(ctx, row);
      await recordAudit(ctx.db, { actorRole: ctx.principal.role, actor: ctx.principal.username, action: 'delete', resource: auditName(env), objectId: Number(row.id), objectLabel: label });
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
