// The pages behind the digest's signed links, reached without logging in: the token is the
// authority, for one action on one row of one mailbox until it expires (lib/quarantine links).
// GET only shows what would happen, with a button (mail scanners follow links); POST acts. A
// tampered, expired or foreign token gets a refusal page and changes nothing.
import express, { type Request, type Response } from 'express';
import { forbidden, type Db } from '../../lib/core';
import { ownerPermissions } from '../../lib/accounts';
import {
  verifyLink,
  getQuarantined,
  previewQuarantined,
  releaseHeld,
  requestReview,
  releaseRequestsOn,
  type LinkClaims,
  type QuarantineRow,
} from '../../lib/quarantine';
import { isSupported, translateError } from '../i18n';
import { expectedError } from '../engine/errors';
import type { QuarantineServices } from './services';
import { notifyReviewers } from './notify';

type Checked = { claims: LinkClaims; row: QuarantineRow } | { refusal: string; status: number };

async function check(db: Db, secret: string, token: string): Promise<Checked> {
  const v = verifyLink(secret, token);
  if (!v.ok) return v.reason === 'expired' ? { refusal: 'expired', status: 410 } : { refusal: 'invalid', status: 403 };
  try {
    // the row must still be there and still belong to the mailbox the link was made for
    const row = await getQuarantined(db, v.claims.row, { mailbox: v.claims.mailbox });
    return { claims: v.claims, row };
  } catch {
    return { refusal: 'gone', status: 404 };
  }
}

async function mailboxLanguage(db: Db, mailboxId: number): Promise<string | null> {
  return ((await db('mailboxes').where({ id: mailboxId }).first('language'))?.language as string | null) ?? null;
}

async function act(db: Db, services: QuarantineServices, claims: LinkClaims, row: QuarantineRow): Promise<string> {
  if (claims.action === 'report') {
    const r = await requestReview(db, row.id, { kind: 'not_spam', mailbox: claims.mailbox });
    if (r.created) await notifyReviewers(db, services, row.domain_id, row, 'not_spam');
    return 'reported';
  }
  if (await releaseRequestsOn(db, row.domain_id)) {
    const r = await requestReview(db, row.id, { kind: 'release', mailbox: claims.mailbox });
    if (r.created) await notifyReviewers(db, services, row.domain_id, row, 'release');
    return 'requested';
  }
  // accepting the newsletter writes to the owner's sender lists: that needs the permission (nothing released either)
  if (claims.action === 'accept_newsletter' && !(await ownerPermissions(db, claims.mailbox)).has('senders')) throw forbidden('you are not allowed to change this (senders)');
  await releaseHeld(db, row.id, { dataDir: services.dataDir, mailbox: claims.mailbox, accept: claims.action === 'accept_newsletter' ? 'newsletter' : 'none' });
  return claims.action === 'accept_newsletter' ? 'accepted' : 'released';
}

export function linkRoutes(db: Db, services: QuarantineServices, secret: string): express.Router {
  const router = express.Router();

  const page = async (req: Request, res: Response, acting: boolean) => {
    const c = await check(db, secret, String(req.params.token));
    const t = res.locals.t as (k: string, v?: Record<string, unknown>) => string;
    if ('refusal' in c) return res.status(c.status).render('quarantine/link', { title: t('link.refused_title'), state: 'refused', reason: t(`link.refused_${c.refusal}`) });
    const lang = await mailboxLanguage(db, c.claims.mailbox);
    // the page of a link speaks the language of the mailbox it was made for
    if (isSupported(lang)) res.locals.switchLanguage(lang);
    const tt = res.locals.t as typeof t;
    const base = { title: tt(`link.title_${c.claims.action}`), row: c.row, action: c.claims.action, token: String(req.params.token) };
    if (!acting) {
      const preview = c.claims.action === 'preview' ? await previewQuarantined(db, c.row.id) : null;
      return res.render('quarantine/link', { ...base, state: 'ask', preview });
    }
    if (c.claims.action === 'preview') return res.redirect(303, `/q/${req.params.token}`);
    try {
      const done = await act(db, services, c.claims, c.row);
      res.render('quarantine/link', { ...base, state: 'done', done });
    } catch (err) {
      res.status(409).render('quarantine/link', { ...base, state: 'refused', reason: translateError(tt, expectedError(err)) });
    }
  };

  // @route GET /q/:token   what the link would do, with a button (never acts)
  router.get('/q/:token', (req, res) => page(req, res, false));
  // @route POST /q/:token   does it
  router.post('/q/:token', (req, res) => page(req, res, true));
  return router;
}
