// `mailhost alias ...`: aliases and catch-alls (*@domain) of the hosted domains.
import { command, type CommandGroup } from '../engine';
import { createAlias, listAliases, deleteAlias } from '../../lib/directory';
import { displayAddress } from '../../lib/core';
import { json, delCommand } from './common';

export const aliasCommand: CommandGroup = {
  name: 'alias',
  summary: 'aliases and catch-alls; postmaster@ of every domain is one',
  commands: [
    command({
      name: 'add',
      help: 'forward an address to one or more targets',
      note: '*@domain = catch-all',
      positionals: [{ name: 'address' }, { name: 'target', variadic: true }],
      async run({ args, ctx }) {
        const a = await createAlias(await ctx.db(), { address: args.address, targets: args.target });
        ctx.print(`${a.kind === 'catchall' ? 'catch-all' : 'alias'} ${displayAddress(a.address)} -> ${a.targets.join(', ')}`);
      },
    }),
    command({
      name: 'list',
      help: 'the aliases (of one domain) and their targets',
      positionals: [{ name: 'domain', optional: true }],
      flags: { json },
      async run({ flags, args, ctx }) {
        const rows = await listAliases(await ctx.db(), { domain: args.domain });
        if (flags.json) return ctx.printJson(rows.map((a) => ({ address: a.address, kind: a.kind, active: a.active, targets: a.targets })));
        for (const a of rows) ctx.print(`${displayAddress(a.address)}\t${a.kind}\t-> ${a.targets.length ? a.targets.join(', ') : '(default postmaster)'}`);
      },
    }),
    delCommand('alias', 'address', 'delete an alias (postmaster@ cannot be deleted)', deleteAlias),
  ],
};
