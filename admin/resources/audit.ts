// The audit log page (issue 11, item 9): the lines lib/accounts writes for every change made
// through the pages or the CLI, read-only. An admin sees them all; a client those about its
// domains and what lives in them (audit_log.domain_id, the scope is SQL); a mailbox user has
// no access (404). Filters: who, action, type of object, object name, domain, date range.
import type { Knex } from 'knex';
import { byDomain } from '../engine/scopes';
import type { Ctx, ResourceDef } from '../engine/types';
import { i18nOptions } from './common';

/**
 * The types of object a line is about: the admin resources (`mailboxes`, a child as
 * `mailboxes/autoreplies`) and the CLI groups (`cli:mailbox add`) that change each one.
 */
const OBJECT_TYPES: Record<string, { pages: string[]; cli: string[] }> = {
  domain: { pages: ['domains'], cli: ['domain', 'dkim'] },
  domain_alias: { pages: ['domain-aliases'], cli: ['domain-alias'] },
  mailbox: { pages: ['mailboxes'], cli: ['mailbox', 'sending'] },
  alias: { pages: ['aliases', 'forwards', 'catchall'], cli: ['alias'] },
  autoreply: { pages: ['mailboxes/autoreplies', 'mailboxes/files'], cli: ['autoreply'] },
  sender_list: { pages: ['sender-lists', 'mailboxes/senders'], cli: ['list'] },
  spam_policy: { pages: ['spam-policies'], cli: ['policy'] },
  quarantine: { pages: ['quarantine', 'reviews'], cli: ['quarantine', 'digest'] },
  account: { pages: ['accounts'], cli: ['admin'] },
};

/** The type of a line's `resource` (null: a resource this page does not know yet). */
function typeOf(resource: string): string | null {
  const cli = /^cli:([\w-]+)/.exec(resource)?.[1];
  for (const [type, t] of Object.entries(OBJECT_TYPES)) if (cli ? t.cli.includes(cli) : t.pages.includes(resource)) return type;
  return null;
}

function whereType(q: Knex.QueryBuilder, type: string): void {
  const t = OBJECT_TYPES[type];
  if (!t) return;
  q.where((w) => {
    w.whereIn('audit_log.resource', t.pages);
    for (const g of t.cli) w.orWhere('audit_log.resource', `cli:${g}`).orWhere('audit_log.resource', 'like', `cli:${g} %`);
  });
}

/** "CLI (root)" for the operator's lines, the login name for the pages'. */
function who(row: Record<string, unknown>, ctx: Ctx): string {
  const actor = String(row.actor ?? '');
  return row.actor_role === 'operator' ? ctx.t('audit.cli_actor', { name: actor.replace(/ \(cli\)$/, '') }) : actor;
}

function changedFields(details: unknown): string {
  try {
    const fields = (JSON.parse(String(details ?? 'null')) as { fields?: unknown } | null)?.fields;
    return Array.isArray(fields) ? fields.map(String).join(', ') : '';
  } catch {
    return '';
  }
}

export const auditLog: ResourceDef = {
  name: 'audit',
  table: 'audit_log',
  icon: 'journal-text',
  section: 'system',
  permissions: { admin: ['list'], client: ['list'] },
  scope: byDomain('audit_log'),
  select: (q) => q.leftJoin('domains as audit_domain', 'audit_domain.id', 'audit_log.domain_id').select('audit_log.*', 'audit_domain.name as domain_name'),
  orderBy: 'audit_log.at_ms',
  orderDesc: true,
  fields: [],
  list: {
    columns: [
      { name: 'at_ms', label: 'audit.col_when', format: 'date' },
      { name: 'who', label: 'audit.col_who', sort: 'audit_log.actor' },
      { name: 'action', label: 'audit.col_action', format: 'i18n', i18nPrefix: 'audit.action_' },
      { name: 'type', label: 'audit.col_type' },
      { name: 'object_label', label: 'audit.col_object', sort: 'audit_log.object_label' },
      { name: 'domain_name', label: 'field.domain', format: 'domain' },
      { name: 'fields', label: 'audit.col_fields' },
    ],
    search: [
      { name: 'who', column: 'audit_log.actor', type: 'text' },
      { name: 'action', column: 'audit_log.action', type: 'select', options: i18nOptions(['create', 'update', 'delete'], 'audit.action_') },
      { name: 'type', column: 'audit_log.resource', type: 'select', options: i18nOptions(Object.keys(OBJECT_TYPES), 'audit.type_'), apply: (q, v) => whereType(q, v) },
      { name: 'object_label', column: 'audit_log.object_label', type: 'text' },
      { name: 'domain_name', column: 'audit_domain.name', type: 'text' },
      { name: 'from', column: 'audit_log.at_ms', type: 'date', range: 'from', label: 'audit.filter_from' },
      { name: 'to', column: 'audit_log.at_ms', type: 'date', range: 'to', label: 'audit.filter_to' },
    ],
  },
  async decorate(ctx, rows) {
    return rows.map((r) => {
      const type = typeOf(String(r.resource));
      return { ...r, at_ms: Number(r.at_ms), who: who(r, ctx), type: type ? ctx.t(`audit.type_${type}`) : String(r.resource), fields: changedFields(r.details) };
    });
  },
  label: (r) => String(r.object_label || `#${r.id}`),
};
