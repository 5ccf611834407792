// GET /stats: the statistics page (lib/stats) for 7, 30 or 365 days, with server-side SVG bar
// charts. What is shown follows the login: a mailbox owner their mailbox, a client the domains
// they own, an admin the whole server plus the domains that received the most.
import express from 'express';
import type { Db } from '../../lib/core';
import type { Principal } from '../../lib/accounts';
import { readDailyStats, topDomains, barChartSvg, COUNTERS, type StatsScope, type DailyStats } from '../../lib/stats';
import { ctxOf } from '../engine/access';

export const STATS_PERIODS = [7, 30, 365] as const;

const CHARTS: { key: string; color: string; value: (d: DailyStats) => number }[] = [
  { key: 'received', color: '#0d6efd', value: (d) => d.received },
  { key: 'inbox', color: '#198754', value: (d) => d.inbox },
  { key: 'junk', color: '#fd7e14', value: (d) => d.junk },
  { key: 'quarantined', color: '#dc3545', value: (d) => d.quarantined },
  { key: 'refused', color: '#6f42c1', value: (d) => d.refused_rcpt + d.refused_data },
  { key: 'forwarded', color: '#20c997', value: (d) => d.forwarded },
];

async function scopeOf(db: Db, p: Principal): Promise<Omit<StatsScope, 'days'>> {
  if (p.role === 'user') return { mailboxId: p.id };
  if (p.role === 'client') return { domainIds: (await db('domains').where('client_id', p.id).select('id')).map((r) => Number(r.id)) };
  return {};
}

export function statsRoutes(db: Db): express.Router {
  const router = express.Router();
  // @route GET /stats   statistics of what the login may see (?days=7|30|365)
  router.get('/stats', async (req, res) => {
    const ctx = ctxOf(res);
    const asked = Number(req.query.days);
    const days = (STATS_PERIODS as readonly number[]).includes(asked) ? asked : 7;
    const rows = await readDailyStats(db, { ...(await scopeOf(db, ctx.principal)), days });
    const totals = COUNTERS.map((c) => ({ key: c, label: ctx.t(`stats.counter.${c}`), value: res.locals.fmt.number(rows.reduce((n, r) => n + r[c], 0)) }));
    const charts = CHARTS.map((c) => {
      const title = ctx.t(`stats.chart.${c.key}`);
      return { title, svg: barChartSvg(rows.map((r) => ({ label: r.day, value: c.value(r) })), { title, color: c.color }) };
    });
    const top = ctx.principal.role === 'admin' ? await topDomains(db, { days, limit: 10 }) : [];
    res.render('stats', {
      title: ctx.t('stats.title'),
      days,
      periods: STATS_PERIODS.map((n) => ({ days: n, label: ctx.t('stats.period', { count: n }), active: n === days })),
      totals,
      charts,
      top: top.map((d) => ({ name: d.name, received: res.locals.fmt.number(d.received), bytes: res.locals.fmt.number(d.bytes) })),
    });
  });
  return router;
}
