// The quarantine space (issue 10): held mail of the mailboxes in scope — a user's own mailbox
// (rows are per final mailbox, so mail reaching it through an alias, a forward or the
// catch-all is there too), a client's domains, everything for an admin — and the review
// queue of "not spam" reports and release requests. The list, preview, release and bulk
// pages are the resource's own routes (admin/quarantine/pages.ts); delete is the engine's.
import type { Knex } from 'knex';
import { deleteQuarantined, decideReview, forgetReviewLesson } from '../../lib/quarantine';
import { learn, forget } from '../../lib/spam';
import { byDomain, byMailbox } from '../engine/scopes';
import { envOf } from '../engine/env';
import { loadRow } from '../engine/access';
import type { ResourceDef, RowAction } from '../engine/types';
import { quarantinePages } from '../quarantine/pages';
import type { QuarantineServices } from '../quarantine/services';
import { notifyRequester } from '../quarantine/notify';
import { i18nOptions, tableExists } from './common';

export type { QuarantineServices };

export const CATEGORIES = ['spam', 'newsletter', 'virus'] as const;
const hasReviews = tableExists('quarantine_reviews');

function lowerLike(q: Knex.QueryBuilder, columns: string[], value: string): void {
  const arg = `%${value.toLowerCase().replace(/[!%_]/g, '!$&')}%`;
  q.where((w) => columns.forEach((c) => w.orWhereRaw(`LOWER(??) LIKE ? ESCAPE '!'`, [c, arg])));
}

export function quarantineResource(services: QuarantineServices): ResourceDef {
  return {
    name: 'quarantine',
    table: 'quarantine',
    icon: 'shield-exclamation',
    section: 'mail',
    permissions: { admin: ['list', 'delete'], client: ['list', 'delete'], user: ['list', 'delete'] },
    scope: byMailbox('quarantine'),
    select: (q) => q.join('mailboxes as qm', 'qm.id', 'quarantine.mailbox_id').select('quarantine.*', 'qm.address as mailbox', 'qm.domain_id'),
    orderBy: 'quarantine.received_ms',
    fields: [],
    list: {
      columns: [
        { name: 'received_ms', label: 'col.received', format: 'date' },
        { name: 'mailbox', label: 'col.recipient', format: 'address', roles: ['admin', 'client'] },
        { name: 'mail_from', label: 'col.sender', format: 'address' },
        { name: 'subject', label: 'col.subject' },
        { name: 'score', label: 'col.score', format: 'number' },
        { name: 'category', label: 'col.category', format: 'i18n', i18nPrefix: 'quarantine.cat_' },
      ],
      search: [
        // the tab: held spam and viruses (default), newsletters, released messages
        {
          name: 'tab',
          column: 'quarantine.category',
          type: 'select',
          options: i18nOptions(['newsletters', 'released'], 'quarantine.tab_'),
          apply: (q, v) => (v === 'released' ? q.where('quarantine.released', true) : q.where({ 'quarantine.released': false, 'quarantine.category': 'newsletter' })),
        },
        { name: 'category', column: 'quarantine.category', type: 'select', options: i18nOptions(CATEGORIES, 'quarantine.cat_') },
        { name: 'sender', column: 'quarantine.mail_from', type: 'text', apply: (q, v) => lowerLike(q, ['quarantine.mail_from', 'quarantine.header_from'], v) },
        { name: 'subject', column: 'quarantine.subject', type: 'text', apply: (q, v) => lowerLike(q, ['quarantine.subject'], v) },
        { name: 'from', column: 'quarantine.received_ms', type: 'date', range: 'from' },
        { name: 'to', column: 'quarantine.received_ms', type: 'date', range: 'to' },
      ],
    },
    label: (r) => String(r.subject || `#${r.id}`),
    async onDelete({ db }, row) {
      await deleteQuarantined(db, Number(row.id));
    },
    routes: (router, res, registry) => quarantinePages(router, res, registry, services),
  };
}

/** A reviewer's button on an open request; "release" kinds are approved or refused, "not spam" ones decided. */
function decision(name: 'release' | 'allow' | 'learn' | 'dismiss' | 'refuse', icon: string, kinds: string[], services: QuarantineServices): RowAction {
  return {
    name,
    label: `review.do_${name}`,
    icon,
    when: (row) => row.status === 'open' && kinds.includes(String(row.kind)),
    run: async (ctx, row) => {
      await decideReview(ctx.db, Number(row.id), name, {
        dataDir: services.dataDir,
        by: ctx.principal.username,
        admin: ctx.principal.role === 'admin',
        learn: (db, raw, as, o) => learn(db, raw, as, { scope: o.domainId }),
      });
      if (row.kind === 'release') await notifyRequester(ctx.db, services, { mailbox_id: Number(row.mailbox_id), subject: row.subject, mail_from: row.mail_from }, name === 'release');
    },
  };
}

/** "Forget": the filter unlearns what a "learn" decision taught it (the release stands). */
const forgetLesson: RowAction = {
  name: 'forget',
  label: 'review.do_forget',
  icon: 'arrow-counterclockwise',
  when: (row) => row.status === 'learned',
  run: async (ctx, row) => {
    await forgetReviewLesson(ctx.db, Number(row.id), { by: ctx.principal.username, forget: (db, raw, o) => forget(db, raw, { scope: o.domainId }) });
  },
};

export function reviewsResource(services: QuarantineServices): ResourceDef {
  return {
    name: 'reviews',
    table: 'quarantine_reviews',
    icon: 'clipboard-check',
    section: 'mail',
    available: hasReviews,
    permissions: { admin: ['list', 'edit'], client: ['list', 'edit'] },
    scope: byDomain('quarantine_reviews'),
    select: (q) =>
      q
        .join('quarantine as rq', 'rq.id', 'quarantine_reviews.quarantine_id')
        .join('mailboxes as rm', 'rm.id', 'quarantine_reviews.mailbox_id')
        .select('quarantine_reviews.*', 'rq.subject', 'rq.mail_from', 'rq.category', 'rq.score', 'rm.address as mailbox'),
    orderBy: 'quarantine_reviews.created_ms',
    fields: [],
    list: {
      columns: [
        { name: 'created_ms', label: 'col.requested', format: 'date' },
        { name: 'kind', label: 'col.request', format: 'i18n', i18nPrefix: 'review.kind_' },
        { name: 'mailbox', label: 'col.recipient', format: 'address' },
        { name: 'mail_from', label: 'col.sender', format: 'address' },
        { name: 'subject', label: 'col.subject' },
        { name: 'category', label: 'col.category', format: 'i18n', i18nPrefix: 'quarantine.cat_' },
        { name: 'status', label: 'col.status', format: 'i18n', i18nPrefix: 'review.status_' },
      ],
      search: [
        { name: 'kind', column: 'quarantine_reviews.kind', type: 'select', options: i18nOptions(['not_spam', 'release'], 'review.kind_') },
        { name: 'status', column: 'quarantine_reviews.status', type: 'select', options: i18nOptions(['open', 'released', 'allowed', 'learned', 'forgotten', 'dismissed', 'refused'], 'review.status_') },
      ],
    },
    label: (r) => String(r.subject || `#${r.quarantine_id}`),
    // a request has nothing to edit: its row opens the message's preview
    routes: (router, res, registry) => {
      // @route GET /reviews/:id   the held message the request is about
      router.get('/:id', async (req, response) => {
        const env = await envOf(res, registry, req, response, 'list');
        const row = await loadRow(env.r, env.ctx, req.params.id);
        response.redirect(303, `/quarantine/${row.quarantine_id}`);
      });
    },
    actions: [
      decision('release', 'envelope-check', ['not_spam', 'release'], services),
      decision('allow', 'person-check', ['not_spam'], services),
      decision('learn', 'mortarboard', ['not_spam'], services),
      decision('dismiss', 'x-circle', ['not_spam'], services),
      decision('refuse', 'hand-thumbs-down', ['release'], services),
      forgetLesson,
    ],
  };
}
