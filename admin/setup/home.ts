// GET /: the dashboard, one card per resource the role may list with its row count; a mailbox
// owner gets the home page of their mailbox (userHome.ts).
import express from 'express';
import type { Db, Settings } from '../../lib/core';
import { QUOTA_WARNING_RATIO } from '../../lib/delivery';
import type { Principal } from '../../lib/accounts';
import { can, ctxOf, present } from '../engine/access';
import { countRows } from '../engine/list/count';
import type { ResourceDef } from '../engine/types';
import { renderUserHome } from './userHome';

/** How many mailboxes this login sees at 90 % of their quota or more (the dashboard's quota summary). */
async function nearlyFullCount(db: Db, resources: ResourceDef[], p: Principal): Promise<number | null> {
  const r = resources.find((x) => x.name === 'mailboxes');
  if (!r || !can(r, p.role, 'list')) return null;
  const q = r.scope(db, p).where('mailboxes.quota_mb', '>', 0).whereRaw('mailboxes.used_bytes >= mailboxes.quota_mb * ?', [1024 * 1024 * QUOTA_WARNING_RATIO]);
  return countRows(db, q);
}

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
    const full = await nearlyFullCount(db, resources, ctx.principal);
    const nearlyFull = full ? { text: ctx.t('home.nearly_full', { count: full, formatted: res.locals.fmt.number(full) }), href: '/mailboxes?sort=used_bytes' } : null;
    res.render('home', { title: ctx.t('home.title'), cards, nearlyFull });
  });
  return router;
}
