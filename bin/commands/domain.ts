// `mailhost domain ...` and `mailhost domain-alias ...`: the mail domains we host.
import { command, type CommandGroup } from '../engine';
import { createDomain, listDomains, deleteDomain, createDomainAlias, listDomainAliases, deleteDomainAlias, getDomain, updateDomain } from '../../lib/directory';
import { requireClient, checkDomainOwner, planTransaction } from '../../lib/accounts';
import { setDomainSpamRules } from '../../lib/policy';
import { displayDomain } from '../../lib/core';
import { json, quotaMb, delCommand } from './common';

export const domainCommand: CommandGroup = {
  name: 'domain',
  summary: 'the mail domains we host (Unicode names are stored in IDNA form)',
  commands: [
    command({
      name: 'add',
      help: 'host a domain; its postmaster@ is created with it',
      positionals: [{ name: 'domain' }],
      flags: { 'quota-mb': { ...quotaMb, help: 'default quota of its mailboxes in MB (0 = unlimited)' } },
      async run({ flags, args, ctx }) {
        const d = await createDomain(await ctx.db(), { name: args.domain, defaultQuotaMb: flags['quota-mb'] });
        ctx.print(`domain ${displayDomain(d.name)} added (postmaster@${d.name} created)`);
      },
    }),
    command({
      name: 'set',
      help: 'change a domain: its client (owner), state, default quota or spam rules for its mailboxes',
      positionals: [{ name: 'domain' }],
      flags: {
        client: { type: 'string', arg: 'NAME', help: 'the client account that owns it ("none": no client)' },
        active: { type: 'yesno', help: 'an inactive domain refuses mail' },
        'quota-mb': { ...quotaMb, help: 'default quota of its new mailboxes in MB (0 = unlimited)' },
        'allow-no-spam-filter': { type: 'yesno', help: 'its mailboxes may turn spam filtering off (default yes)' },
        'force-antivirus': { type: 'yesno', help: 'its mailboxes cannot turn the virus check off (default no)' },
      },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const domain = await getDomain(db, args.domain);
        const clientId = flags.client === undefined ? undefined : flags.client === 'none' ? null : await requireClient(db, flags.client);
        const d = await planTransaction(db, async (trx) => {
          if (clientId !== undefined) await checkDomainOwner(trx, domain.id, clientId); // the client's plan binds the operator too
          await setDomainSpamRules(trx, domain.id, { allowNoSpamFilter: flags['allow-no-spam-filter'], forceAntivirus: flags['force-antivirus'] });
          return updateDomain(trx, domain.id, { clientId, active: flags.active, defaultQuotaMb: flags['quota-mb'] });
        });
        ctx.print(`domain ${displayDomain(d.name)} updated`);
      },
    }),
    command({
      name: 'list',
      help: 'the domains, their state and default quota',
      flags: { json },
      async run({ flags, ctx }) {
        const rows = await listDomains(await ctx.db());
        if (flags.json) return ctx.printJson(rows.map((d) => ({ name: d.name, display: displayDomain(d.name), active: d.active, default_quota_mb: d.default_quota_mb })));
        for (const d of rows) ctx.print(`${displayDomain(d.name)}\t${d.active ? 'active' : 'inactive'}\tquota ${d.default_quota_mb || 'unlimited'} MB`);
      },
    }),
    delCommand('domain', 'domain', 'delete a domain', deleteDomain),
  ],
};

export const domainAliasCommand: CommandGroup = {
  name: 'domain-alias',
  summary: 'alias domains: mail to any@alias goes to any@target',
  commands: [
    command({
      name: 'add',
      help: 'make <alias-domain> an alias of a hosted domain',
      positionals: [{ name: 'alias-domain' }, { name: 'target-domain' }],
      async run({ args, ctx }) {
        const a = await createDomainAlias(await ctx.db(), args['alias-domain'], args['target-domain']);
        ctx.print(`domain alias ${displayDomain(a.name)} -> ${displayDomain(a.domain)} added`);
      },
    }),
    command({
      name: 'list',
      help: 'the alias domains (of one domain)',
      positionals: [{ name: 'domain', optional: true }],
      flags: { json },
      async run({ flags, args, ctx }) {
        const rows = await listDomainAliases(await ctx.db(), args.domain);
        if (flags.json) return ctx.printJson(rows.map((r) => ({ name: r.name, domain: r.domain, active: r.active })));
        for (const r of rows) ctx.print(`${displayDomain(r.name)}\t-> ${displayDomain(r.domain)}`);
      },
    }),
    delCommand('domain alias', 'alias-domain', 'delete an alias domain', deleteDomainAlias),
  ],
};
