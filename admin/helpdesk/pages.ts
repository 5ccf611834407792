// A ticket's own page, mounted on the engine's `tickets` resource: the thread, the answer form
// and the close / reopen buttons (POST with the CSRF token, like every form). The ticket is
// read through lib's scope (ticketThread): out of it the page answers 404, and so does every
// POST, since lib checks the scope again when it writes.
import type { Request, Response, Router } from 'express';
import { type Db, MailhostError } from '../../lib/core';
import { ticketThread, commentTicket, closeTicket, reopenTicket, notifyOtherSide, sideOf, BODY_MAX, OPEN_PER_HOUR, type HelpdeskMailer, type TicketEvent } from '../../lib/helpdesk';
import type { Principal } from '../../lib/accounts';
import type { Registry } from '../engine/access';
import { audit, envOf, type Env } from '../engine/env';
import { notFoundHttp } from '../engine/errors';
import { flash } from '../engine/flash';
import type { T } from '../i18n';
import type { ResourceDef } from '../engine/types';

/** Mails the other side (when the admin has a sender); a notice that cannot leave is logged, the step stands. */
export async function tellOtherSide(db: Db, event: TicketEvent, mailer: HelpdeskMailer | undefined): Promise<void> {
  if (!mailer) return;
  const { failed } = await notifyOtherSide(db, event, mailer);
  for (const f of failed) console.error(`helpdesk: notice for ticket #${event.ticket.id} not sent to ${f}`);
}

/** The ticket id of the URL, or 404. */
function ticketId(req: Request): number {
  const id = String(req.params.id);
  if (!/^\d{1,10}$/.test(id)) throw notFoundHttp();
  return Number(id);
}

/** Lib's refusals in the reader's words (everything else is a fault, shown by the error page). */
export function refusalText(t: T, err: unknown): string {
  if (!(err instanceof MailhostError) || err.code !== 'invalid') throw err;
  if (/too many tickets/.test(err.message)) return t('helpdesk.err_too_many', { count: OPEN_PER_HOUR });
  if (/is closed/.test(err.message)) return t('helpdesk.err_closed');
  if (/already (closed|open)|changed meanwhile/.test(err.message)) return t('helpdesk.err_changed');
  if (/required/.test(err.message)) return t('err.required');
  if (/longer than/.test(err.message)) return t('err.too_long', { max: BODY_MAX });
  return err.message;
}

async function showTicket(env: Env, req: Request, response: Response, form: { text: string; error: string | null } = { text: '', error: null }): Promise<void> {
  const { ctx, r, base } = env;
  const { ticket, comments } = await ticketThread(ctx.db, ctx.principal, ticketId(req));
  response.status(form.error ? 422 : 200).render('helpdesk/ticket', {
    res: r,
    title: ctx.t('helpdesk.page_title', { id: ticket.id, subject: ticket.subject }),
    baseUrl: base,
    ticket,
    comments,
    mySide: sideOf(ticket, ctx.principal),
    text: form.text,
    error: form.error,
    maxLength: BODY_MAX,
  });
}

/** What each button does, through lib (which checks the ticket is in the principal's scope). */
const STEPS: Record<'comment' | 'close' | 'reopen', (db: Db, p: Principal, id: number, text: string) => Promise<TicketEvent>> = {
  comment: (db, p, id, text) => commentTicket(db, p, id, text),
  close: (db, p, id) => closeTicket(db, p, id),
  reopen: (db, p, id) => reopenTicket(db, p, id),
};

export function ticketPages(router: Router, res: ResourceDef, registry: Registry, mailer: HelpdeskMailer | undefined): void {
  const edit = (req: Request, response: Response) => envOf(res, registry, req, response, 'edit');

  /** One step of the thread by the logged-in principal, its audit line and its notice; back to the ticket. */
  const stepRoute = (name: keyof typeof STEPS) => async (req: Request, response: Response) => {
    const env = await edit(req, response);
    const { ctx } = env;
    const id = ticketId(req);
    const text = typeof req.body?.text === 'string' ? req.body.text : '';
    let event: TicketEvent;
    try {
      event = await STEPS[name](ctx.db, ctx.principal, id, text);
    } catch (err) {
      const error = refusalText(ctx.t, err);
      if (name === 'comment') return showTicket(env, req, response, { text, error });
      flash(req, 'danger', error);
      return response.redirect(303, `${env.base}/${id}`);
    }
    await audit(env, 'update', { id, mailbox_id: event.ticket.mailboxId }, `#${id} ${event.ticket.subject}`, [name]);
    await tellOtherSide(ctx.db, event, mailer);
    flash(req, 'success', ctx.t(`helpdesk.done_${name}`));
    response.redirect(303, `${env.base}/${id}`);
  };

  // @route GET /tickets/:id   the thread, the answer form, close / reopen
  router.get('/:id', async (req, response, next) => {
    if (!/^\d+$/.test(String(req.params.id))) return next(); // /tickets/new: the engine's add form
    await showTicket(await edit(req, response), req, response);
  });
  // @route POST /tickets/:id   an answer
  router.post('/:id', async (req, response, next) => {
    if (!/^\d+$/.test(String(req.params.id))) return next();
    await stepRoute('comment')(req, response);
  });
  // @route POST /tickets/:id/close
  router.post('/:id/close', stepRoute('close'));
  // @route POST /tickets/:id/reopen
  router.post('/:id/reopen', stepRoute('reopen'));
}
