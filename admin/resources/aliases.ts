// Aliases, forwards (mail groups) and catch-alls: one lib mechanism (lib/aliases.ts), three
// pages as in ISPConfig. postmaster@ of each domain is listed with the aliases; it can be
// pointed elsewhere but never deleted.
import { createAlias, updateAlias, deleteAlias, getAlias, getDomain } from '../../lib/directory';
import { displayAddress, invalid } from '../../lib/core';
import { scopes } from '../engine/scopes';
import type { FieldDef, ResourceDef } from '../engine/types';
import { addressOf, defined, domainOptions } from './common';

type Page = 'aliases' | 'forwards' | 'catchall';

const KINDS: Record<Page, string[]> = { aliases: ['alias', 'postmaster'], forwards: ['forward'], catchall: ['catchall'] };
const ICONS: Record<Page, string> = { aliases: 'at', forwards: 'people', catchall: 'inboxes' };

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
    orderBy: 'aliases.address',
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
        { name: 'address', column: 'aliases.address', type: 'text' },
        { name: 'description', column: 'aliases.description', type: 'text' },
        { name: 'active', column: 'aliases.active', type: 'bool' },
      ],
    },
    label: (r) => displayAddress(String(r.address)),
    canDelete: (r) => r.kind !== 'postmaster',
    async decorate({ db }, rows) {
      // at most one page (15 rows): the targets come from lib, one alias at a time
      return Promise.all(rows.map(async (r) => ({ ...r, targets: (await getAlias(db, Number(r.id))).targets })));
    },
    async onInsert({ db }, v) {
      const address = catchall ? `*@${(await getDomain(db, Number(v.domain_id))).name}` : addressOf(v);
      // "*@" makes a catch-all, which lives on its own page (this list would not show it)
      if (!catchall && address.startsWith('*@')) throw invalid('address', 'a catch-all is set on the catch-all page');
      const a = await createAlias(db, {
        address,
        targets: String(v.targets ?? ''),
        kind: page === 'forwards' ? 'forward' : 'alias',
        active: v.active as boolean | undefined,
        description: v.description as string | undefined,
      });
      return { id: a.id };
    },
    async onUpdate({ db }, row, v) {
      await updateAlias(db, Number(row.id), defined({ targets: v.targets as string | undefined, active: v.active as boolean | undefined, description: v.description as string | undefined }));
    },
    async onDelete({ db }, row) {
      await deleteAlias(db, Number(row.id));
    },
  };
}

export const aliases = aliasResource('aliases');
export const forwards = aliasResource('forwards');
export const catchall = aliasResource('catchall');
