// Permissions (lib/accounts permissions and limits) as declarations:
//   - the mailbox's "Permissions" tab: what its owner may change, set by an admin or by the
//     client owning the domain (who is offered only what its own plan includes);
//   - the client account's "Permissions" tab, for admins: what the owners of its mailboxes may
//     change at most, and its limits (domains, mailboxes, total quota);
//   - `ownerAllows`: the mailboxes resource's `allows`, through which the engine hides and
//     refuses each field and tab declared with a `permission`.
import {
  OWNER_PERMISSIONS,
  allowedChanges,
  changesFrom,
  clientLimits,
  clientPermissions,
  clientUsage,
  mailboxPermissions,
  setClientLimits,
  setClientPermissions,
  setMailboxPermissions,
  type OwnerPermission,
} from '../../lib/accounts';
import type { Ctx, FieldDef, Option, ResourceDef, TabDef } from '../engine/types';
import { tableExists } from './common';

const hasPermissions = tableExists('permission_denials');

/** The permission keys the mailbox's declarations use (fields and tabs), from lib. */
export const OWNER = Object.fromEntries(OWNER_PERMISSIONS.map((p) => [p, p])) as { [P in OwnerPermission]: P };

/** The mailboxes' rule: admins and the client everything, the owner what lib says. */
export const ownerAllows: NonNullable<ResourceDef['allows']> = async (ctx, row) => {
  const allowed = await allowedChanges(ctx.db, ctx.principal, Number(row.id));
  return (p) => allowed.has(p as OwnerPermission);
};

const asOptions = (list: Iterable<OwnerPermission>): Option[] => [...list].map((p) => ({ value: p, labelKey: `permission.${p}` }));

/** What this principal may give a mailbox's owner: an admin everything, a client its plan. */
async function grantable(ctx: Ctx): Promise<OwnerPermission[]> {
  if (ctx.principal.role === 'client') {
    const plan = await clientPermissions(ctx.db, ctx.principal.id);
    return OWNER_PERMISSIONS.filter((p) => plan.has(p));
  }
  return ctx.principal.role === 'admin' ? [...OWNER_PERMISSIONS] : [];
}

export const mailboxPermissionFields: FieldDef[] = [
  { name: 'owner_permissions', type: 'checkboxes', label: 'field.owner_permissions', help: 'help.owner_permissions', roles: ['admin', 'client'], available: hasPermissions, options: async (ctx) => asOptions(await grantable(ctx)) },
];

export const mailboxPermissionsTab: TabDef = {
  name: 'permissions',
  label: 'tab.permissions',
  fields: ['owner_permissions'],
  roles: ['admin', 'client'],
  available: hasPermissions,
  async load({ db }, row) {
    return { owner_permissions: [...(await mailboxPermissions(db, Number(row.id)))] };
  },
  async save(ctx, row, v) {
    // the boxes offered are exactly what this principal may set; the others stay as they are
    await setMailboxPermissions(ctx.db, Number(row.id), changesFrom(await grantable(ctx), v.texts('owner_permissions') ?? []), ctx.principal);
  },
};

const LIMIT_FIELDS = [
  ['max_domains', 'maxDomains'],
  ['max_mailboxes', 'maxMailboxes'],
  ['max_quota_mb', 'maxQuotaMb'],
] as const;

export const clientPlanFields: FieldDef[] = [
  { name: 'client_permissions', type: 'checkboxes', label: 'field.client_permissions', help: 'help.client_permissions', roles: ['admin'], available: hasPermissions, options: async () => asOptions(OWNER_PERMISSIONS) },
  ...LIMIT_FIELDS.map(([name]): FieldDef => ({ name, type: 'text', label: `field.${name}`, help: `help.${name}`, maxLength: 10, placeholder: 'placeholder.unlimited', roles: ['admin'], available: hasPermissions, suffix: name === 'max_quota_mb' ? 'unit.mb' : undefined })),
];

/** Only a client account has a plan: the accounts resource allows 'plan' on client rows. */
export const PLAN = 'plan';

export const clientPlanTab: TabDef = {
  name: 'permissions',
  label: 'tab.permissions',
  fields: clientPlanFields.map((f) => f.name),
  roles: ['admin'],
  permission: PLAN,
  available: hasPermissions,
  async load({ db }, row) {
    const id = Number(row.id);
    const limits = await clientLimits(db, id);
    return {
      client_permissions: [...(await clientPermissions(db, id))],
      ...Object.fromEntries(LIMIT_FIELDS.map(([name, key]) => [name, limits[key] ?? ''])),
    };
  },
  async save({ db }, row, v) {
    const id = Number(row.id);
    // limits first: a bad one is refused before anything is stored
    await setClientLimits(db, id, Object.fromEntries(LIMIT_FIELDS.map(([name, key]) => [key, v.text(name)])));
    const granted = v.texts('client_permissions');
    if (granted) await setClientPermissions(db, id, changesFrom(OWNER_PERMISSIONS, granted));
  },
};

export const accountAllows: NonNullable<ResourceDef['allows']> = async (_ctx, row) => (p) => p !== PLAN || row.role === 'client';

// ---- what a client sees of its own plan: read-only facts on its account's Permissions tab

const PLAN_FACTS = ['plan_domains', 'plan_mailboxes', 'plan_quota', 'plan_owner_rights'] as const;

export const clientPlanFacts: FieldDef[] = PLAN_FACTS.map((name) => ({ name, type: 'text', label: `field.${name}`, createOnly: true, roles: ['client'], available: hasPermissions, display: (r) => String(r[name] ?? '') }));

export const clientPlanFactsTab: TabDef = { name: 'plan', label: 'tab.permissions', fields: [...PLAN_FACTS], roles: ['client'], permission: PLAN, available: hasPermissions };

/** What is taken away is usually short (and fits the line): "all but: ...". */
function ownerRightsText(ctx: Ctx, rights: Set<OwnerPermission>): string {
  const refused = OWNER_PERMISSIONS.filter((p) => !rights.has(p));
  if (!refused.length) return ctx.t('plan.all_rights');
  if (refused.length === OWNER_PERMISSIONS.length) return ctx.t('plan.no_rights');
  return ctx.t('plan.all_but', { list: refused.map((p) => ctx.t(`permission.${p}`)).join(' · ') });
}

/** Adds the plan's facts to the client's own row (its account form), in its language. */
export async function withPlanFacts(ctx: Ctx, rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  if (ctx.principal.role !== 'client' || !(await hasPermissions(ctx.db))) return rows;
  const out: Record<string, unknown>[] = [];
  for (const r of rows) {
    if (Number(r.id) !== ctx.principal.id) {
      out.push(r);
      continue;
    }
    const [limits, use, rights] = [await clientLimits(ctx.db, ctx.principal.id), await clientUsage(ctx.db, ctx.principal.id), await clientPermissions(ctx.db, ctx.principal.id)];
    const of = (used: number, max: number | null, unit = '') => (max == null ? ctx.t('plan.unlimited', { used: `${used}${unit}` }) : ctx.t('plan.of', { used: `${used}${unit}`, max: `${max}${unit}` }));
    const mb = ` ${ctx.t('unit.mb')}`;
    out.push({
      ...r,
      plan_domains: of(use.domains, limits.maxDomains),
      plan_mailboxes: of(use.mailboxes, limits.maxMailboxes),
      plan_quota: of(use.quotaMb, limits.maxQuotaMb, mb),
      plan_owner_rights: ownerRightsText(ctx, rights),
    });
  }
  return out;
}
