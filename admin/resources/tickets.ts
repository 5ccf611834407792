// The help desk (issue 11, item 5): tickets a mailbox owner opens (a client too, to the ISP),
// listed and paged by the engine; a ticket's own page is its thread, with the answer form and
// the close / reopen buttons (admin/helpdesk/pages.ts). Who reaches which ticket is lib's rule
// (lib/helpdesk ticketScope): out of it, every page answers 404.
import { openTicket, ticketScope, TICKET_CATEGORIES, TICKET_STATUSES, SUBJECT_MAX, BODY_MAX, type HelpdeskMailer } from '../../lib/helpdesk';
import type { ResourceDef } from '../engine/types';
import { invalid, type MailhostError } from '../../lib/core';
import { ticketPages, tellOtherSide, refusalText } from '../helpdesk/pages';
import { i18nOptions, tableExists } from './common';

export function ticketsResource(mailer?: HelpdeskMailer): ResourceDef {
  return {
    name: 'tickets',
    table: 'tickets',
    icon: 'life-preserver',
    section: 'system',
    available: tableExists('tickets'),
    // "edit" is answering, closing and reopening on the ticket's page; nobody deletes a ticket
    permissions: { admin: ['list', 'edit'], client: ['list', 'create', 'edit'], user: ['list', 'create', 'edit'] },
    scope: ticketScope,
    // latest activity first
    orderBy: '0 - tickets.updated_ms',
    afterCreate: 'row',
    addButton: 'helpdesk.send',
    fields: [
      { name: 'subject', type: 'text', label: 'col.subject', required: true, maxLength: SUBJECT_MAX },
      { name: 'category', type: 'select', label: 'col.category', required: true, options: i18nOptions(TICKET_CATEGORIES, 'helpdesk.cat_') },
      { name: 'text', type: 'textarea', label: 'helpdesk.text', help: 'helpdesk.text_help', required: true, maxLength: BODY_MAX },
    ],
    list: {
      columns: [
        { name: 'id', label: 'helpdesk.number' },
        { name: 'subject', label: 'col.subject' },
        { name: 'category', label: 'col.category', format: 'i18n', i18nPrefix: 'helpdesk.cat_' },
        { name: 'opener', label: 'helpdesk.opener', format: 'address', roles: ['admin', 'client'] },
        { name: 'status', label: 'col.status', format: 'i18n', i18nPrefix: 'helpdesk.status_', sort: "CASE WHEN tickets.status = 'open' THEN 0 ELSE 1 END" },
        { name: 'last_side', label: 'helpdesk.last_side', format: 'i18n', i18nPrefix: 'helpdesk.side_' },
        { name: 'created_ms', label: 'helpdesk.created', format: 'date', sort: '0 - tickets.created_ms' },
        { name: 'updated_ms', label: 'helpdesk.updated', format: 'date', sort: '0 - tickets.updated_ms' },
      ],
      search: [
        { name: 'subject', column: 'tickets.subject', type: 'text' },
        { name: 'category', column: 'tickets.category', type: 'select', options: i18nOptions(TICKET_CATEGORIES, 'helpdesk.cat_') },
        { name: 'opener', column: 'tickets.opener', type: 'text', roles: ['admin', 'client'] },
        { name: 'status', column: 'tickets.status', type: 'select', options: i18nOptions(TICKET_STATUSES, 'helpdesk.status_') },
        { name: 'last_side', column: 'tickets.last_side', type: 'select', options: i18nOptions(['opener', 'support'], 'helpdesk.side_') },
      ],
    },
    label: (r) => `#${r.id} ${String(r.subject ?? '')}`,
    async onInsert(ctx, v) {
      const input = { subject: v.text('subject') ?? '', category: v.text('category') ?? '', text: v.text('text') ?? '' };
      // lib's refusal, in the reader's words, next to its field
      const event = await openTicket(ctx.db, ctx.principal, input).catch((err: unknown) => {
        throw invalid((err as MailhostError).field ?? 'subject', refusalText(ctx.t, err));
      });
      await tellOtherSide(ctx.db, event, mailer);
      return { id: event.ticket.id };
    },
    routes: (router, res, registry) => ticketPages(router, res, registry, mailer),
  };
}
