// GET /: the dashboard, one card per resource the role may list with its row count; a mailbox
// owner gets the home page of their mailbox (userHome.ts).
import express from 'express';
import type { Db, Settings } from '../../lib/core';
import { can, ctxOf, present } from '../engine/access';
import { countRows } from '../engine/list/count';
import type { ResourceDef } from '../engine/types';
import { renderUserHome } from './userHome';

export function homeRoutes(db: Db, resources: ResourceDef[], settings: Settings): express.Router {
  const router = express.Router();
  // @route GET /   dashboard (a mailbox owner: their mailbox's home page)
  router.get('/', async (req, res) => {
    const ctx = ctxOf(res);
    if (ctx.principal.role === 'user') return renderUserHome(db, settings, res);
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
