// Lost password, without login: /password/forgot asks for the login and mails a single-use
// link (lib/accounts requestPasswordReset) through the same sender as the quarantine notices;
// /password/reset/<token> sets the new password. The forgot page answers the same for every
// login, known or not, with a recovery address or not.
import os from 'node:os';
import express from 'express';
import type { Db } from '../../lib/core';
import { MailhostError } from '../../lib/core';
import { requestPasswordReset, resetLinkOwner, resetPassword, RESET_LINK_MS, type ResetMail } from '../../lib/accounts';
import type { MailSender } from '../../lib/quarantine';
import { translator, translateError, DEFAULT_LANGUAGE, isSupported } from '../i18n';
import { flash } from '../engine/flash';

export interface PasswordPagesOptions {
  send: MailSender;
  /** where the admin is reached from outside (the link in the mail) */
  baseUrl: string;
}

/** The link mail, in the login's language. */
function resetMail(m: ResetMail, baseUrl: string) {
  const t = translator(isSupported(m.language) ? m.language : DEFAULT_LANGUAGE);
  const url = `${baseUrl}/password/reset/${m.token}`;
  const domain = m.login.includes('@') ? m.login.slice(m.login.lastIndexOf('@') + 1) : os.hostname();
  return {
    from: `postmaster@${domain}`,
    to: m.to,
    subject: t('password.mail_subject'),
    text: t('password.mail_text', { login: m.login, url, minutes: RESET_LINK_MS / 60000 }),
  };
}

export function passwordRoutes(db: Db, opts: PasswordPagesOptions): express.Router {
  const router = express.Router();

  // @route GET /password/forgot
  router.get('/password/forgot', (_req, res) => {
    res.render('password/forgot', { title: res.locals.t('password.forgot_title'), login: '', done: false, error: null });
  });

  // @route POST /password/forgot
  router.post('/password/forgot', async (req, res) => {
    const login = typeof req.body?.login === 'string' ? req.body.login.trim().slice(0, 320) : '';
    const render = (status: number, done: boolean, error: string | null) =>
      res.status(status).render('password/forgot', { title: res.locals.t('password.forgot_title'), login, done, error });
    if (!login) return render(400, false, res.locals.t('password.login_required'));
    const deliver = async (m: ResetMail) => {
      // not awaited: the answer comes as fast with a link as without one; a mail that cannot
      // leave must not tell the visitor the login exists either: logged, same answer
      opts.send(resetMail(m, opts.baseUrl)).catch((err: unknown) => console.error(`admin: lost-password link for ${m.login} not sent: ${(err as Error).message}`));
    };
    const outcome = await requestPasswordReset(db, login, req.ip ?? '', deliver);
    if (outcome === 'throttled') return render(429, false, res.locals.t('password.throttled'));
    render(200, true, null);
  });

  // @route GET /password/reset/:token
  router.get('/password/reset/:token', async (req, res) => {
    const owner = await resetLinkOwner(db, String(req.params.token));
    if (!owner) return res.status(410).render('password/reset', { title: res.locals.t('password.reset_title'), owner: null, token: '', error: null });
    res.render('password/reset', { title: res.locals.t('password.reset_title'), owner, token: String(req.params.token), error: null });
  });

  // @route POST /password/reset/:token
  router.post('/password/reset/:token', async (req, res) => {
    const token = String(req.params.token);
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const confirm = typeof req.body?.password_confirm === 'string' ? req.body.password_confirm : '';
    try {
      await resetPassword(db, token, password, confirm, req.ip ?? '');
    } catch (err) {
      if (!(err instanceof MailhostError)) throw err;
      const owner = await resetLinkOwner(db, token);
      const error = err.field === 'password_confirm' ? res.locals.t('password.mismatch') : translateError(res.locals.t, err);
      return res.status(owner ? 400 : 410).render('password/reset', { title: res.locals.t('password.reset_title'), owner, token: owner ? token : '', error });
    }
    flash(req, 'success', res.locals.t('password.reset_done'));
    res.redirect(303, '/login');
  });

  return router;
}
