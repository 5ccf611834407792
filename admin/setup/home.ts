// GET /: the dashboard, one card per resource the role may list with its row count; mailbox
// owners go straight to their mailbox.
import express from 'express';
import type { Db } from '../../lib/core';
import { can, ctxOf, present } from '../engine/access';
import { countRows } from '../engine/list/count';
import type { ResourceDef } from '../engine/types';

export function homeRoutes(db: Db, resources: ResourceDef[]): express.Router {
  const router = express.Router();
  // @route GET /   dashboard (users go straight to their mailbox)
  router.get('/', async (req, res) => {
    const ctx = ctxOf(res);
    if (ctx.principal.role === 'user') return res.redirect(303, `/mailboxes/${ctx.principal.id}`);
    const cards = [];
    for (const r of resources) {
      if (r.parent || !can(r, ctx.principal.role, 'list') || !(await present(r, db))) continue;
      const n = await countRows(db, r.scope(db, ctx.principal)); // cheap at a million rows (list/count.ts)
      cards.push({ label: ctx.t(`res.${r.name}.title`), href: `/${r.name}`, icon: r.icon, count: ctx.t('common.count', { count: n, formatted: res.locals.fmt.number(n) }) });
    }
    res.render('home', { title: ctx.t('home.title'), cards });
  });
  return router;
}
