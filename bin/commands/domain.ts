import { UsageError, parseFlags, intFlag, requirePositionals, type CommandGroup } from '../cli';
import { createDomain, listDomains, deleteDomain, createDomainAlias, listDomainAliases, deleteDomainAlias } from '../../lib/directory';
import { displayDomain } from '../../lib/core';

export const domainCommand: CommandGroup = {
  name: 'domain',
  summary: ['domain add <domain> [--quota-mb N]       default mailbox quota in MB (0 = unlimited)', 'domain list [--json]', 'domain del <domain>'],
  async run(action, argv, ctx) {
    const db = await ctx.db();
    switch (action) {
      case 'add': {
        const { values, positionals } = parseFlags(argv, { 'quota-mb': { type: 'string' } });
        requirePositionals(positionals, 1, 'domain add <domain> [--quota-mb N]');
        const d = await createDomain(db, { name: positionals[0], defaultQuotaMb: intFlag(values['quota-mb'], '--quota-mb') });
        ctx.print(`domain ${displayDomain(d.name)} added (postmaster@${d.name} created)`);
        return;
      }
      case 'list': {
        const { values } = parseFlags(argv, { json: { type: 'boolean' } });
        const rows = await listDomains(db);
        if (values.json) return ctx.printJson(rows.map((d) => ({ name: d.name, display: displayDomain(d.name), active: d.active, default_quota_mb: d.default_quota_mb })));
        for (const d of rows) ctx.print(`${displayDomain(d.name)}\t${d.active ? 'active' : 'inactive'}\tquota ${d.default_quota_mb || 'unlimited'} MB`);
        return;
      }
      case 'del': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 1, 'domain del <domain>');
        await deleteDomain(db, positionals[0]);
        ctx.print(`domain ${positionals[0]} deleted`);
        return;
      }
      default:
        throw new UsageError('usage: mailhost domain add|list|del ...');
    }
  },
};

export const domainAliasCommand: CommandGroup = {
  name: 'domain-alias',
  summary: ['domain-alias add <alias-domain> <target-domain>', 'domain-alias list [<domain>] [--json]', 'domain-alias del <alias-domain>'],
  async run(action, argv, ctx) {
    const db = await ctx.db();
    switch (action) {
      case 'add': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 2, 'domain-alias add <alias-domain> <target-domain>');
        const a = await createDomainAlias(db, positionals[0], positionals[1]);
        ctx.print(`domain alias ${displayDomain(a.name)} -> ${displayDomain(a.domain)} added`);
        return;
      }
      case 'list': {
        const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
        const rows = await listDomainAliases(db, positionals[0]);
        if (values.json) return ctx.printJson(rows.map((r) => ({ name: r.name, domain: r.domain, active: r.active })));
        for (const r of rows) ctx.print(`${displayDomain(r.name)}\t-> ${displayDomain(r.domain)}`);
        return;
      }
      case 'del': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 1, 'domain-alias del <alias-domain>');
        await deleteDomainAlias(db, positionals[0]);
        ctx.print(`domain alias ${positionals[0]} deleted`);
        return;
      }
      default:
        throw new UsageError('usage: mailhost domain-alias add|list|del ...');
    }
  },
};
