// Mail domains (ISPConfig "Domain"): name, owning client, default quota, spam policy, active.
import { createDomain, updateDomain, deleteDomain, createDomainAlias, updateDomainAlias, deleteDomainAlias, getDomain } from '../../lib/directory';
import { displayDomain } from '../../lib/core';
import { checkDomainOwner, checkNewDomain, planTransaction } from '../../lib/accounts';
import { readDkimKey, dkimDnsRecord } from '../../lib/submission';
import { sendingFields, sendingTab } from './sending';
import { scopes } from '../engine/scopes';
import type { FormValues, ResourceDef } from '../engine/types';
import { clientOptions, defined, domainOptions, spamPolicyOptions, tableExists } from './common';
import { domainQuarantineFields, domainQuarantineTab } from './quarantineTabs';
import { domainRuleFields, saveDomainRules } from './spamSwitches';

const hasSpamPolicies = tableExists('spam_policies');

/** The fields a domain's form maps one to one onto lib's input (undefined: not on the form). */
function domainFields(v: FormValues) {
  return { active: v.checkbox('active'), defaultQuotaMb: v.number('default_quota_mb'), spamPolicyId: v.id('spam_policy_id') };
}

export const domains: ResourceDef = {
  name: 'domains',
  table: 'domains',
  icon: 'globe2',
  section: 'mail',
  permissions: { admin: ['list', 'create', 'edit', 'delete'], client: ['list', 'create', 'edit', 'delete'] },
  scope: scopes.domains,
  auditDomain: (row) => Number(row.id), // a domain's lines are its own
  select: (q, db) =>
    q
      .leftJoin('accounts as owner', 'owner.id', 'domains.client_id')
      .select('domains.*', 'owner.username as client_name', db('mailboxes').count('*').where('mailboxes.domain_id', db.ref('domains.id')).as('mailbox_count')),
  orderBy: 'domains.sort_key', // as people read names: école-des-arts.fr between delta.fr and fabrique.fr (lib/core sortKey)
  fields: [
    { name: 'name', type: 'text', label: 'field.domain', help: 'help.domain', required: true, createOnly: true, maxLength: 253, display: (r) => displayDomain(String(r.name)) },
    { name: 'client_id', type: 'select', label: 'field.client', help: 'help.client', roles: ['admin'], options: clientOptions, ref: 'accounts' },
    { name: 'default_quota_mb', type: 'number', label: 'field.default_quota', help: 'help.quota', min: 0, max: 10_000_000, default: 0, suffix: 'unit.mb' },
    { name: 'spam_policy_id', type: 'select', label: 'field.spam_policy', available: hasSpamPolicies, options: spamPolicyOptions, ref: 'spam_policies' },
    { name: 'active', type: 'checkbox', label: 'field.active', help: 'help.domain_active', default: true },
    ...domainQuarantineFields,
    ...domainRuleFields,
  ],
  tabs: [
    { name: 'domain', label: 'tab.domain', fields: ['name', 'client_id', 'default_quota_mb', 'spam_policy_id', 'active', ...domainRuleFields.map((f) => f.name)] },
    domainQuarantineTab,
  ],
  list: {
    columns: [
      { name: 'name', label: 'field.domain', format: 'domain' },
      { name: 'client_name', label: 'field.client', roles: ['admin'] },
      { name: 'mailbox_count', label: 'col.mailboxes', format: 'number' },
      { name: 'default_quota_mb', label: 'field.default_quota', format: 'mb' },
      { name: 'active', label: 'field.active', format: 'bool' },
      { name: 'created_at', label: 'col.created', format: 'date' },
    ],
    search: [
      { name: 'name', column: 'domains.name', type: 'text', foldedColumn: 'domains.sort_key' },
      { name: 'client_name', column: 'domains.client_id', type: 'select', options: clientOptions, roles: ['admin'] },
      { name: 'active', column: 'domains.active', type: 'bool' },
    ],
  },
  label: (r) => displayDomain(String(r.name)),
  async onInsert(ctx, v) {
    const { db, principal } = ctx;
    // a client's new domain is always its own
    const clientId = principal.role === 'client' ? principal.id : (v.id('client_id') ?? null);
    // the client's plan, checked and taken in one transaction (lib/accounts/limits.ts)
    const d = await planTransaction(db, async (trx) => {
      await checkNewDomain(trx, clientId, principal);
      return createDomain(trx, { ...domainFields(v), name: v.text('name') ?? '', clientId });
    });
    await saveDomainRules(ctx, d.id, v);
    return { id: d.id };
  },
  async onUpdate(ctx, row, v) {
    const clientId = v.id('client_id');
    await planTransaction(ctx.db, async (trx) => {
      if (clientId !== undefined) await checkDomainOwner(trx, Number(row.id), clientId, ctx.principal); // the new client's plan
      await updateDomain(trx, Number(row.id), defined({ ...domainFields(v), clientId }));
    });
    await saveDomainRules(ctx, Number(row.id), v);
  },
  async onDelete({ db }, row) {
    await deleteDomain(db, Number(row.id));
  },
};

/** The DNS record of the domain's DKIM key (kept in the data dir), or how to make one. */
function dkimRecord(dataDir: string, domain: string, t: (k: string, v?: Record<string, unknown>) => string): string {
  const key = readDkimKey(dataDir, domain);
  if (!key) return t('dkim.none', { command: `mailhost dkim add ${domain}` });
  const r = dkimDnsRecord(key);
  return `${r.name}  TXT  "${r.value}"`;
}

/** The domains with, when the data dir is known, a read-only DKIM tab showing the DNS record to publish. */
export function domainsResource(dataDir?: string): ResourceDef {
  if (!dataDir) return domains;
  return {
    ...domains,
    fields: [...domains.fields, ...sendingFields, { name: 'dkim_record', type: 'textarea', label: 'field.dkim_record', help: 'help.dkim_record', createOnly: true, display: (r) => String(r.dkim_record ?? '') }],
    tabs: [
      domains.tabs![0],
      sendingTab('domain'),
      domainQuarantineTab,
      { name: 'dkim', label: 'tab.dkim', fields: ['dkim_record'] },
    ],
    async decorate(ctx, rows) {
      return rows.map((r) => ({ ...r, dkim_record: dkimRecord(dataDir, String(r.name), ctx.t) }));
    },
  };
}

// Domain aliases (ISPConfig "Domain alias"): mail to any@alias goes to any@target.
export const domainAliases: ResourceDef = {
  name: 'domain-aliases',
  table: 'domain_aliases',
  icon: 'signpost-split',
  section: 'mail',
  permissions: { admin: ['list', 'create', 'edit', 'delete'], client: ['list', 'create', 'edit', 'delete'] },
  scope: scopes.domainAliases,
  select: (q) => q.join('domains as target', 'target.id', 'domain_aliases.domain_id').select('domain_aliases.*', 'target.name as domain_name'),
  orderBy: 'domain_aliases.sort_key',
  fields: [
    { name: 'name', type: 'text', label: 'field.alias_domain', help: 'help.alias_domain', required: true, createOnly: true, maxLength: 253, display: (r) => displayDomain(String(r.name)) },
    { name: 'domain_id', type: 'select', label: 'field.target_domain', required: true, options: domainOptions, ref: 'domains' },
    { name: 'active', type: 'checkbox', label: 'field.active', default: true },
  ],
  list: {
    columns: [
      { name: 'name', label: 'field.alias_domain', format: 'domain' },
      { name: 'domain_name', label: 'field.target_domain', format: 'domain' },
      { name: 'active', label: 'field.active', format: 'bool' },
    ],
    search: [
      { name: 'name', column: 'domain_aliases.name', type: 'text', foldedColumn: 'domain_aliases.sort_key' },
      { name: 'domain_name', column: 'domain_aliases.domain_id', type: 'select', options: domainOptions },
      { name: 'active', column: 'domain_aliases.active', type: 'bool' },
    ],
  },
  label: (r) => displayDomain(String(r.name)),
  async onInsert({ db }, v) {
    const target = await getDomain(db, Number(v.id('domain_id')));
    const a = await createDomainAlias(db, v.text('name') ?? '', target.name);
    if (v.checkbox('active') === false) await updateDomainAlias(db, a.id, { active: false });
    return { id: a.id };
  },
  async onUpdate({ db }, row, v) {
    await updateDomainAlias(db, Number(row.id), defined({ domainId: v.id('domain_id') ?? undefined, active: v.checkbox('active') }));
  },
  async onDelete({ db }, row) {
    await deleteDomainAlias(db, String(row.name));
  },
};
