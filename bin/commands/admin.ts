// `mailhost admin ...`: accounts of the web admin (ISP admins and clients).
import { UsageError, parseFlags, requirePositionals, type CommandGroup } from '../cli';
import { createAccount, listAccounts, updateAccount, getAccount, deleteAccount, generatePassword } from '../../lib/accounts';

const ADD_USAGE = 'admin add <username> [--password PW | --generate-password] [--role admin|client] [--name NAME] [--email ADDR]';

export const adminCommand: CommandGroup = {
  name: 'admin',
  summary: [ADD_USAGE, 'admin passwd <username> [--password PW | --generate-password]', 'admin list [--json]', 'admin del <username>'],
  async run(action, argv, ctx) {
    const db = await ctx.db();
    switch (action) {
      case 'add': {
        const { values, positionals } = parseFlags(argv, {
          password: { type: 'string' },
          'generate-password': { type: 'boolean' },
          role: { type: 'string' },
          name: { type: 'string' },
          email: { type: 'string' },
        });
        requirePositionals(positionals, 1, ADD_USAGE);
        if (values.password !== undefined && values['generate-password']) throw new UsageError('give --password or --generate-password, not both');
        if (values.password === undefined && !values['generate-password']) throw new UsageError('give --password PW or --generate-password');
        const role = values.role ?? 'admin';
        if (role !== 'admin' && role !== 'client') throw new UsageError('--role takes admin or client');
        const { account, password } = await createAccount(db, {
          username: positionals[0],
          role,
          password: values.password,
          generatePassword: values['generate-password'],
          name: values.name,
          email: values.email,
        });
        ctx.print(`${account.role} ${account.username} added${password ? `, password: ${password}` : ''}`);
        return;
      }
      case 'passwd': {
        const { values, positionals } = parseFlags(argv, { password: { type: 'string' }, 'generate-password': { type: 'boolean' } });
        requirePositionals(positionals, 1, 'admin passwd <username> [--password PW | --generate-password]');
        if ((values.password === undefined) === !values['generate-password']) throw new UsageError('give --password PW or --generate-password');
        const account = await getAccount(db, positionals[0]);
        const password = values.password ?? generatePassword();
        await updateAccount(db, account.id, { password });
        ctx.print(`password of ${account.username} changed${values.password === undefined ? `: ${password}` : ''}`);
        return;
      }
      case 'list': {
        const { values } = parseFlags(argv, { json: { type: 'boolean' } });
        const rows = await listAccounts(db);
        if (values.json) return ctx.printJson(rows);
        for (const a of rows) ctx.print(`${a.username}\t${a.role}\t${a.active ? 'active' : 'inactive'}\t${a.name}`);
        return;
      }
      case 'del': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 1, 'admin del <username>');
        const account = await getAccount(db, positionals[0]);
        await deleteAccount(db, account.id);
        ctx.print(`account ${account.username} deleted`);
        return;
      }
      default:
        throw new UsageError(`usage: mailhost ${ADD_USAGE}`);
    }
  },
};
