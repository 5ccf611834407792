// GET /sessions: the open sessions of whoever is logged in (an admin: everyone's), with IP,
// browser, login time and last activity; POST /sessions/<handle>/end ends one. Reading and
// ending are in lib/accounts/sessions.ts; a session is named by a hash, never by its id.
import express from 'express';
import type { Db } from '../../lib/core';
import { browserOf, endSession, listSessions, loadPrincipal, principalKey, sessionHandle } from '../../lib/accounts';
import { flash } from '../engine/flash';

export function sessionsRoutes(db: Db): express.Router {
  const router = express.Router();

  // @route GET /sessions
  router.get('/sessions', async (req, res) => {
    const me = req.user!;
    const all = me.role === 'admin';
    const rows = await listSessions(db, all ? {} : { principal: principalKey(me) });
    const names = new Map<string, string>();
    for (const key of new Set(rows.map((r) => r.principal))) names.set(key, (await loadPrincipal(db, key))?.username ?? key);
    const current = sessionHandle(req.sessionID);
    res.render('sessions', {
      title: res.locals.t('sessions.title'),
      all,
      rows: rows.map((r) => ({ ...r, who: names.get(r.principal) ?? r.principal, browser: browserOf(r.userAgent), current: r.handle === current })),
    });
  });

  // @route POST /sessions/:handle/end
  router.post('/sessions/:handle/end', async (req, res) => {
    const me = req.user!;
    const handle = String(req.params.handle);
    if (handle === sessionHandle(req.sessionID)) {
      flash(req, 'danger', res.locals.t('sessions.use_logout'));
      return res.redirect(303, '/sessions');
    }
    const ended = await endSession(db, handle, me.role === 'admin' ? null : principalKey(me));
    flash(req, ended ? 'success' : 'danger', res.locals.t(ended ? 'sessions.ended' : 'sessions.not_found'));
    res.redirect(303, '/sessions');
  });

  return router;
}
