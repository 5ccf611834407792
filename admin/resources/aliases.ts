// Aliases, forwards (mail groups) and catch-alls: one lib mechanism (lib/aliases.ts), three
// pages as in ISPConfig. postmaster@ of each domain is listed with the aliases; it can be
// pointed elsewhere but never deleted.
import { createAlias, updateAlias, deleteAlias, aliasTargets, getDomain, type AliasKind } from '../../lib/directory';
import { displayAddress } from '../../lib/core';
import { scopes } from '../engine/scopes';
import type { FieldDef, FormValues, ResourceDef } from '../engine/types';
import { defined, domainOptions } from './common';

type Page = 'aliases' | 'forwards' | 'catchall';

const KINDS: Record<Page, string[]> = { aliases: ['alias', 'postmaster'], forwards: ['forward'], catchall: ['catchall'] };
const ICONS: Record<Page, string> = { aliases: 'at', forwards: 'people', catchall: 'inboxes' };
const KIND_OF_NEW: Record<Page, AliasKind> = { aliases: 'alias', forwards: 'forward', catchall: 'catchall' };

/** The fields every alias page maps one to one onto lib's input (undefined: not on the form). */
function aliasFields(v: FormValues) {
  return { active: v.checkbox('active'), description: v.text('description') };
}

function aliasResource(page: Page): ResourceDef {
  const catchall = page === 'catchall';
  const addressField: FieldDef = catchall
    ? { name: 'domain_id', type: 'select', label: 'field.domain', help: 'help.catchall', required: true, createOnly: true, options: domainOptions, ref: 'domains', display: (r) => displayAddress(String(r.address)) }
    : { name: 'address', type: 'address', label: 'field.address', help: `help.${page}_address`, required: true, createOnly: true, options: domainOptions, ref: 'domains', display: (r) => displayAddress(String(r.address)) };
  return {
    name: page,
    table: 'aliases',
    icon: ICONS[page],
    section: 'mail',
    permissions: { admin: ['list', 'create', 'edit', 'delete'], client: ['list', 'create', 'edit', 'delete'] },
    scope: scopes.aliasesOfKind(KINDS[page]),
    orderBy: 'aliases.sort_key', // as people read addresses (lib/core sortKey)
    fields: [
      addressField,
      { name: 'targets', type: 'targets', label: page === 'forwards' ? 'field.targets' : 'field.destination', help: page === 'forwards' ? 'help.targets' : 'help.destination', required: true },
      { name: 'description', type: 'text', label: 'field.description', maxLength: 255 },
      { name: 'active', type: 'checkbox', label: 'field.active', default: true },
    ],
    list: {
      columns: [
        { name: 'address', label: catchall ? 'field.domain' : 'field.address', format: 'address' },
        { name: 'targets', label: page === 'forwards' ? 'field.targets' : 'field.destination', format: 'list' },
        { name: 'description', label: 'field.description' },
        { name: 'active', label: 'field.active', format: 'bool' },
      ],
      search: [
        { name: 'address', column: 'aliases.address', type: 'text', foldedColumn: 'aliases.sort_key' },
        { name: 'description', column: 'aliases.description', type: 'text' },
        { name: 'active', column: 'aliases.active', type: 'bool' },
      ],
    },
    label: (r) => displayAddress(String(r.address)),
    canDelete: (r) => r.kind !== 'postmaster',
    async decorate({ db }, rows) {
      // the targets of all listed rows (one page, or the edited row) in one query
      const targets = await aliasTargets(db, rows.map((r) => Number(r.id)));
      return rows.map((r) => ({ ...r, targets: targets.get(Number(r.id)) ?? [] }));
    },
    async onInsert({ db }, v) {
      const address = catchall ? `*@${(await getDomain(db, Number(v.id('domain_id')))).name}` : v.address();
      // lib refuses "*" on the aliases and forwards pages: a catch-all lives on its own page
      const a = await createAlias(db, { ...aliasFields(v), address, targets: v.text('targets') ?? '', kind: KIND_OF_NEW[page] });
      return { id: a.id };
    },
    async onUpdate({ db }, row, v) {
      await updateAlias(db, Number(row.id), defined({ ...aliasFields(v), targets: v.text('targets') }));
    },
    async onDelete({ db }, row) {
      await deleteAlias(db, Number(row.id));
    },
  };
}

export const aliases = aliasResource('aliases');
export const forwards = aliasResource('forwards');
export const catchall = aliasResource('catchall');
