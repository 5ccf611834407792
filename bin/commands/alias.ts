import { UsageError, parseFlags, requirePositionals, type CommandGroup } from '../cli';
import { createAlias, listAliases, deleteAlias } from '../../lib/directory';
import { displayAddress } from '../../lib/core';

export const aliasCommand: CommandGroup = {
  name: 'alias',
  summary: ['alias add <address> <target> [<target>...]   (*@domain = catch-all)', 'alias list [<domain>] [--json]', 'alias del <address>'],
  async run(action, argv, ctx) {
    const db = await ctx.db();
    switch (action) {
      case 'add': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 2, 'alias add <address> <target> [<target>...]');
        const a = await createAlias(db, { address: positionals[0], targets: positionals.slice(1) });
        ctx.print(`${a.kind === 'catchall' ? 'catch-all' : 'alias'} ${displayAddress(a.address)} -> ${a.targets.join(', ')}`);
        return;
      }
      case 'list': {
        const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
        const rows = await listAliases(db, { domain: positionals[0] });
        if (values.json) return ctx.printJson(rows.map((a) => ({ address: a.address, kind: a.kind, active: a.active, targets: a.targets })));
        for (const a of rows) ctx.print(`${displayAddress(a.address)}\t${a.kind}\t-> ${a.targets.length ? a.targets.join(', ') : '(default postmaster)'}`);
        return;
      }
      case 'del': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 1, 'alias del <address>');
        await deleteAlias(db, positionals[0]);
        ctx.print(`alias ${positionals[0]} deleted`);
        return;
      }
      default:
        throw new UsageError('usage: mailhost alias add|list|del ...');
    }
  },
};
