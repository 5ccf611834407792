// The quarantine pages of the engine's `quarantine` resource: the list (tabs, filters, score
// bars, checkboxes for bulk release/delete), the preview, release with its choices, and the
// "not spam" report. Every row is reached through the resource's scope (loadRow): a message
// outside it answers 404, exactly like the generic pages.
import type { Request, Response, Router } from 'express';
import { releaseHeld, requestReview, releaseRequestsOn, previewQuarantined, getQuarantineSettings, ACCEPT_CHOICES, type AcceptChoice } from '../../lib/quarantine';
import { allowedChanges, requireAllowed } from '../../lib/accounts';
import { translateError } from '../i18n';
import { loadRow, roleAllowed, scoped, type Registry } from '../engine/access';
import { envOf, audit, type Env } from '../engine/env';
import { expectedError, notFoundHttp } from '../engine/errors';
import { flash } from '../engine/flash';
import { applySearch } from '../engine/list/search';
import { pageOf, pageUrl, PAGE_SIZE } from '../engine/list/paging';
import { countRows } from '../engine/list/count';
import type { ResourceDef } from '../engine/types';
import type { QuarantineServices } from './services';
import { notifyReviewers } from './notify';
import { frameDocument } from './frame';

/** The score drawn as a bar: 0 to this many points fills it. */
const SCORE_SCALE = 20;

async function showList(env: Env, req: Request, response: Response): Promise<void> {
  const { ctx, r, base } = env;
  const q = scoped(r, ctx);
  const search = await applySearch(r, ctx, req, q);
  // the first tab: held spam and viruses (newsletters and released mail have their own tabs)
  if (!search.values.tab) q.where('quarantine.released', false).whereNot('quarantine.category', 'newsletter');
  // newest first (the engine's lists go the other way): counted and paged with its helpers
  const paging = pageOf(await countRows(ctx.db, q), req);
  const rows = await q
    .orderBy('quarantine.received_ms', 'desc')
    .orderBy('quarantine.id', 'desc')
    .limit(PAGE_SIZE)
    .offset((paging.page - 1) * PAGE_SIZE);
  const tabUrl = (tab: string) => (tab ? `${base}?q_tab=${tab}` : base);
  response.render('quarantine/list', {
    res: r,
    title: ctx.t('res.quarantine.title'),
    baseUrl: base,
    tabs: ['', 'newsletters', 'released'].map((tab) => ({ href: tabUrl(tab), label: ctx.t(`quarantine.tab_${tab || 'held'}`), active: search.values.tab === tab, name: tab || 'held' })),
    columns: r.list.columns.filter((c) => roleAllowed(c.roles, ctx.principal.role)),
    filters: search.views.filter((s) => s.def.name !== 'tab'),
    tab: search.values.tab,
    searching: Object.entries(search.values).some(([k, v]) => k !== 'tab' && v),
    rows,
    scoreMax: SCORE_SCALE,
    retentionDays: (await getQuarantineSettings(ctx.db)).retentionDays,
    total: paging.total,
    page: paging.page,
    pages: paging.pages,
    pageUrl: pageUrl(base, search.values),
  });
}

/** "accept" from the release form, one of the offered choices. */
function acceptChoice(v: unknown): AcceptChoice {
  return (ACCEPT_CHOICES as readonly string[]).includes(String(v)) ? (v as AcceptChoice) : 'none';
}

/** "Always accept this sender" adds to the mailbox's sender lists: its owner needs that permission. */
async function mayAccept(env: Env, row: Record<string, unknown>): Promise<boolean> {
  return (await allowedChanges(env.ctx.db, env.ctx.principal, Number(row.mailbox_id))).has('senders');
}

/** A user of a domain with release requests on asks instead of releasing. */
async function mustAsk(env: Env, row: Record<string, unknown>): Promise<boolean> {
  return env.ctx.principal.role === 'user' && (await releaseRequestsOn(env.ctx.db, Number(row.domain_id)));
}

async function release(env: Env, row: Record<string, unknown>, accept: AcceptChoice, services: QuarantineServices): Promise<'released' | 'requested'> {
  const { ctx } = env;
  if (await mustAsk(env, row)) {
    const r = await requestReview(ctx.db, Number(row.id), { kind: 'release' });
    if (r.created) await notifyReviewers(ctx.db, services, r.review.domain_id, r.row, 'release');
    return 'requested';
  }
  if (accept !== 'none') await requireAllowed(ctx.db, ctx.principal, Number(row.mailbox_id), 'senders'); // nothing released either
  await releaseHeld(ctx.db, Number(row.id), { dataDir: services.dataDir, admin: ctx.principal.role === 'admin', accept });
  await audit(env, 'update', row, String(row.subject), ['release', ...(accept !== 'none' ? [`accept_${accept}`] : [])]);
  return 'released';
}

export function quarantinePages(router: Router, res: ResourceDef, registry: Registry, services: QuarantineServices): void {
  const env = (req: Request, response: Response) => envOf(res, registry, req, response, 'list');

  // @route GET /quarantine   the held mail of the mailboxes in scope
  router.get('/', async (req, response) => showList(await env(req, response), req, response));

  // @route POST /quarantine/bulk   release or delete the checked rows of a page
  router.post('/bulk', async (req, response) => {
    const e = await env(req, response);
    const ids = ([] as unknown[]).concat(req.body?.ids ?? []).slice(0, 100);
    const action = req.body?.bulk;
    if (action !== 'release' && action !== 'delete') throw notFoundHttp();
    const rows = [];
    for (const id of ids) rows.push(await loadRow(e.r, e.ctx, id)); // one row out of scope: 404, nothing done
    let done = 0;
    for (const row of rows) {
      try {
        if (action === 'delete') {
          await e.r.onDelete!(e.ctx, row);
          await audit(e, 'delete', row, String(row.subject));
        } else await release(e, row, 'none', services);
        done++;
      } catch (err) {
        flash(req, 'danger', `${String(row.subject)}: ${translateError(e.ctx.t, expectedError(err))}`);
      }
    }
    flash(req, 'success', e.ctx.t(`quarantine.bulk_${action}`, { count: done }));
    response.redirect(303, typeof req.body?.back === 'string' && req.body.back.startsWith('/quarantine') ? req.body.back : e.base);
  });

  // @route GET /quarantine/:id   preview: headers that matter, text, HTML (as text, in a sandboxed frame), attachments
  router.get('/:id', async (req, response) => {
    const e = await env(req, response);
    const row = await loadRow(e.r, e.ctx, req.params.id);
    const preview = await previewQuarantined(e.ctx.db, Number(row.id));
    response.render('quarantine/preview', {
      res: e.r,
      title: e.ctx.t('quarantine.preview'),
      row,
      preview,
      frame: preview.htmlSafe ? frameDocument(preview.htmlSafe) : '',
      baseUrl: e.base,
      canRelease: !row.released && (row.category !== 'virus' || e.ctx.principal.role === 'admin'),
      asks: await mustAsk(e, row),
      canReport: e.ctx.principal.role === 'user' && !row.reported,
      scoreMax: SCORE_SCALE,
    });
  });

  // @route GET /quarantine/:id/release   the release confirmation with its choices
  router.get('/:id/release', async (req, response) => {
    const e = await env(req, response);
    const row = await loadRow(e.r, e.ctx, req.params.id);
    response.render('quarantine/release', { title: e.ctx.t('quarantine.release_title'), row, baseUrl: e.base, asks: await mustAsk(e, row), done: null, mayAccept: await mayAccept(e, row) });
  });

  // @route POST /quarantine/:id/release   delivers it once to that recipient (or asks, on domains with release requests)
  router.post('/:id/release', async (req, response) => {
    const e = await env(req, response);
    const row = await loadRow(e.r, e.ctx, req.params.id);
    try {
      const done = await release(e, row, acceptChoice(req.body?.accept), services);
      response.render('quarantine/release', { title: e.ctx.t('quarantine.release_title'), row, baseUrl: e.base, asks: false, done });
    } catch (err) {
      flash(req, 'danger', translateError(e.ctx.t, expectedError(err)));
      response.status(409).render('quarantine/release', { title: e.ctx.t('quarantine.release_title'), row, baseUrl: e.base, asks: false, done: null, refused: true });
    }
  });

  // @route POST /quarantine/:id/report   "not spam": queued for the domain's reviewers, who get a notice
  router.post('/:id/report', async (req, response) => {
    const e = await env(req, response);
    const row = await loadRow(e.r, e.ctx, req.params.id);
    const r = await requestReview(e.ctx.db, Number(row.id), { kind: 'not_spam', note: typeof req.body?.note === 'string' ? req.body.note : '' });
    if (r.created) await notifyReviewers(e.ctx.db, services, r.review.domain_id, r.row, 'not_spam');
    flash(req, 'success', e.ctx.t('quarantine.reported'));
    response.redirect(303, `${e.base}/${row.id}`);
  });
}
