// `mailhost permissions ...`: what mailbox owners may change (per client: the ceiling for all
// its mailboxes; per mailbox) and a client's limits. The operator acts as an admin: any
// permission may be given; the limits then bind every later change to what the client owns,
// the operator's own included (`mailhost mailbox add`, `domain set --client`...).
import { command, type CommandGroup } from '../engine';
import {
  OWNER_PERMISSIONS,
  clientLimits,
  clientPermissions,
  clientUsage,
  getAccount,
  mailboxPermissions,
  ownerPermissions,
  requirePermissions,
  setClientLimits,
  setClientPermissions,
  setMailboxPermissions,
  type PermissionChanges,
} from '../../lib/accounts';
import { getMailbox } from '../../lib/directory';
import { displayAddress, invalid } from '../../lib/core';
import { json } from './common';

const target = { name: 'client|address', label: '<client|address>' } as const;
const list = `${OWNER_PERMISSIONS.join(',')}`;
const limit = (what: string) => ({ type: 'string', arg: 'N|unlimited', help: `the most ${what} the client may own ("unlimited": no limit)` }) as const;

/** --allow and --deny as one set of changes; a name in both is a mistake. */
function changes(allow: string | undefined, deny: string | undefined): PermissionChanges {
  const yes = allow === undefined ? [] : requirePermissions(allow, 'allow');
  const no = deny === undefined ? [] : requirePermissions(deny, 'deny');
  const both = yes.filter((p) => no.includes(p));
  if (both.length) throw invalid('deny', `${both.join(', ')} both allowed and denied`);
  return { ...Object.fromEntries(yes.map((p) => [p, true])), ...Object.fromEntries(no.map((p) => [p, false])) };
}

const isAddress = (s: string) => s.includes('@');
const shown = (n: number | null, unit = '') => (n == null ? 'unlimited' : `${n}${unit}`);

export const permissionsCommand: CommandGroup = {
  name: 'permissions',
  summary: `what mailbox owners may change (${list}) and the limits of a client`,
  commands: [
    command({
      name: 'show',
      help: "a client's permissions, limits and use, or a mailbox's permissions (its own and in effect)",
      positionals: [target],
      flags: { json },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const key = args['client|address'];
        if (isAddress(key)) {
          const mb = await getMailbox(db, key);
          const own = [...(await mailboxPermissions(db, mb.id))];
          const effective = [...(await ownerPermissions(db, mb.id))];
          if (flags.json) return ctx.printJson({ mailbox: mb.address, allowed: own, effective });
          ctx.print(`${displayAddress(mb.address)}\tallowed: ${own.join(',') || '-'}\tin effect (with its client's): ${effective.join(',') || '-'}`);
          return;
        }
        const account = await getAccount(db, key);
        const [allowed, limits, use] = [[...(await clientPermissions(db, account.id))], await clientLimits(db, account.id), await clientUsage(db, account.id)];
        if (flags.json) return ctx.printJson({ client: account.username, allowed, limits, use });
        ctx.print(`${account.username}\towners may: ${allowed.join(',') || '-'}`);
        ctx.print(`domains ${use.domains}/${shown(limits.maxDomains)}\tmailboxes ${use.mailboxes}/${shown(limits.maxMailboxes)}\tquota ${use.quotaMb}/${shown(limits.maxQuotaMb, ' MB')}`);
      },
    }),
    command({
      name: 'set',
      help: "change what a client's or a mailbox's owners may change, and a client's limits",
      positionals: [target],
      flags: {
        allow: { type: 'string', arg: 'P,...', help: `permissions given (${list})` },
        deny: { type: 'string', arg: 'P,...', help: 'permissions taken away' },
        'max-domains': limit('domains'),
        'max-mailboxes': limit('mailboxes'),
        'max-quota-mb': limit('MB of mailbox quota in all'),
      },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const key = args['client|address'];
        const change = changes(flags.allow, flags.deny);
        const limits = { maxDomains: flags['max-domains'], maxMailboxes: flags['max-mailboxes'], maxQuotaMb: flags['max-quota-mb'] };
        if (isAddress(key)) {
          if (Object.values(limits).some((v) => v !== undefined)) throw invalid('max-domains', 'limits are set on clients, not on mailboxes');
          const mb = await getMailbox(db, key);
          const now = await setMailboxPermissions(db, mb.id, change);
          ctx.print(`${displayAddress(mb.address)}: owner may ${[...now].join(',') || 'change none of these'}`);
          return;
        }
        const account = await getAccount(db, key);
        const set = await setClientLimits(db, account.id, limits); // refused first: nothing changed on a bad limit
        const now = await setClientPermissions(db, account.id, change);
        ctx.print(`${account.username}: owners may ${[...now].join(',') || 'change none of these'}; domains ${shown(set.maxDomains)}, mailboxes ${shown(set.maxMailboxes)}, quota ${shown(set.maxQuotaMb, ' MB')}`);
      },
    }),
  ],
};
