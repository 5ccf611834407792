// A mailbox owner's home page (GET / for role user): the services that are on, the addresses
// that reach the mailbox, the quota as a bar, the last 7 days, and how to set up a mail client
// (and the webmail, when MAILHOST_WEBMAIL_URL names one). Data from lib/overview.
import type express from 'express';
import { type Db, type Settings, displayAddress } from '../../lib/core';
import { mailboxOverview, mailClientSettings, type MailboxOverview } from '../../lib/overview';
import { barChartSvg } from '../../lib/stats';
import { ownerPermissions, type OwnerPermission } from '../../lib/accounts';
import { ctxOf } from '../engine/access';
import type { T, Formatters } from '../i18n';

const BAR = { ok: '#198754', warn: '#fd7e14', full: '#dc3545' };

/** The quota as an SVG bar (attributes only: the strict CSP forbids inline styles). */
export function quotaBarSvg(percent: number, label: string): string {
  const fill = percent >= 100 ? BAR.full : percent >= 90 ? BAR.warn : BAR.ok;
  const w = Math.max(0, Math.min(100, percent));
  const esc = label.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 6" width="100%" height="14" preserveAspectRatio="none" role="img" aria-label="${esc}"><rect width="100" height="6" rx="1.5" fill="#e9ecef"/><rect width="${w}" height="6" rx="1.5" fill="${fill}"/></svg>`;
}

// the settings page a service links to, and the permission the owner needs to change it there
const NEEDS: Record<string, OwnerPermission> = { redirect: 'redirect', autoresponder: 'autoreply', spam: 'spam' };

function services(o: MailboxOverview, t: T, allowed: Set<OwnerPermission>) {
  const s = o.services;
  const base = `/mailboxes/${o.id}`;
  const list = (a: string[]) => a.map(displayAddress).join(', ');
  return [
    { key: 'mailbox', on: s.mailbox, detail: '', href: `${base}?tab=mailbox` },
    {
      key: 'redirect',
      on: s.redirect.length > 0,
      detail: s.redirect.length ? t(s.keepCopy ? 'home.user.redirect_keep' : 'home.user.redirect_only', { targets: list(s.redirect) }) : '',
      href: `${base}?tab=forwarding`,
    },
    { key: 'autoresponder', on: s.autoresponder !== 'off', detail: s.autoresponder === 'off' ? '' : t(`home.user.autoresponder_${s.autoresponder}`), href: `${base}/autoreplies` },
    {
      key: 'spam',
      on: true,
      detail: t('home.user.spam_detail', { action: t(`spam_action.${s.spam.action}`), threshold: s.spam.threshold }),
      href: `${base}?tab=spam`,
    },
    { key: 'antivirus', on: s.antivirus.on, detail: s.antivirus.on ? t('home.user.virus_detail', { action: t(`virus_action.${s.antivirus.action}`) }) : '', href: '' },
  ].map((x) => ({ ...x, href: NEEDS[x.key] && !allowed.has(NEEDS[x.key]) ? '' : x.href, label: t(`home.user.service.${x.key}`), state: t(x.on ? 'home.user.on' : 'home.user.off') }));
}

function quota(o: MailboxOverview, t: T, fmt: Formatters) {
  const q = o.quota;
  if (q.percent === null) return { text: t('home.user.quota_unlimited', { used: fmt.bytes(q.usedBytes) }), bar: '', percent: null, level: 'ok' };
  const text = t('home.user.quota_text', { used: fmt.bytes(q.usedBytes), limit: fmt.bytes(q.limitBytes), percent: fmt.number(q.percent) });
  return { text, bar: quotaBarSvg(q.percent, text), percent: q.percent, level: q.percent >= 100 ? 'full' : q.percent >= 90 ? 'warn' : 'ok' };
}

function stats(o: MailboxOverview, t: T, fmt: Formatters, lang: string) {
  const day = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
  const rows = o.stats.map((d) => ({ day: d.day, label: day.format(new Date(`${d.day}T00:00:00Z`)), received: d.received, inbox: d.inbox, junk: d.junk, quarantined: d.quarantined }));
  const sum = (k: 'received' | 'inbox' | 'junk' | 'quarantined') => fmt.number(rows.reduce((n, r) => n + r[k], 0));
  const title = t('stats.chart.received');
  return {
    rows: rows.map((r) => ({ ...r, received: fmt.number(r.received), inbox: fmt.number(r.inbox), junk: fmt.number(r.junk), quarantined: fmt.number(r.quarantined) })),
    total: { received: sum('received'), inbox: sum('inbox'), junk: sum('junk'), quarantined: sum('quarantined') },
    chart: barChartSvg(rows.map((r) => ({ label: r.label, value: r.received })), { title, height: 110 }),
  };
}

export async function renderUserHome(db: Db, settings: Settings, res: express.Response): Promise<void> {
  const ctx = ctxOf(res);
  const { t } = ctx;
  const fmt = res.locals.fmt as Formatters;
  const o = await mailboxOverview(db, ctx.principal.id);
  const clients = mailClientSettings(settings);
  const server = (s: (typeof clients.incoming)[number]) => ({ protocol: t(`home.user.protocol.${s.protocol}`), host: s.host, port: String(s.port), security: t(`home.user.security.${s.security}`) });
  res.render('userHome', {
    title: t('home.title'),
    mailbox: { address: displayAddress(o.address), name: o.name },
    services: services(o, t, await ownerPermissions(db, o.id)),
    addresses: o.addresses.map((a) => ({
      address: displayAddress(a.address),
      kind: a.kind,
      kindLabel: t(`home.user.reach.${a.kind}`),
      via: a.via ? displayAddress(a.via) : '',
      shared: a.shared,
      active: a.active,
    })),
    quota: quota(o, t, fmt),
    stats: stats(o, t, fmt, ctx.lang),
    clients: { login: displayAddress(o.address), incoming: clients.incoming.map(server), outgoing: clients.outgoing.map(server) },
    webmailUrl: clients.webmailUrl ?? '',
  });
}
