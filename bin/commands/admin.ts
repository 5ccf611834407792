// `mailhost admin ...`: accounts of the web admin (ISP admins and clients).
import { command, type CommandGroup } from '../engine';
import { createAccount, listAccounts, updateAccount, getAccount, deleteAccount, generatePassword as newPassword } from '../../lib/accounts';
import { json, password, generatePassword } from './common';

const passwordChoice = [{ flags: ['password', 'generate-password'], required: true }] as const;

export const adminCommand: CommandGroup = {
  name: 'admin',
  summary: 'accounts of the web admin (ISP admins and clients)',
  commands: [
    command({
      name: 'add',
      help: 'add an account',
      positionals: [{ name: 'username' }],
      flags: {
        password,
        'generate-password': generatePassword,
        role: { type: 'enum', values: ['admin', 'client'], help: 'admin: everything; client: its own domains (default admin)' },
        name: { type: 'string', arg: 'NAME', help: 'a display name' },
        email: { type: 'string', arg: 'ADDR', help: 'a contact address' },
      },
      groups: passwordChoice,
      async run({ flags, args, ctx }) {
        const { account, password } = await createAccount(await ctx.db(), {
          username: args.username,
          role: flags.role ?? 'admin',
          password: flags.password,
          generatePassword: flags['generate-password'],
          name: flags.name,
          email: flags.email,
        });
        ctx.print(`${account.role} ${account.username} added${password ? `, password: ${password}` : ''}`);
      },
    }),
    command({
      name: 'passwd',
      help: "set an account's password",
      positionals: [{ name: 'username' }],
      flags: { password, 'generate-password': generatePassword },
      groups: passwordChoice,
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const account = await getAccount(db, args.username);
        const password = flags.password ?? newPassword();
        await updateAccount(db, account.id, { password });
        ctx.print(`password of ${account.username} changed${flags.password === undefined ? `: ${password}` : ''}`);
      },
    }),
    command({
      name: 'list',
      help: 'the accounts, their role and state',
      flags: { json },
      async run({ flags, ctx }) {
        const rows = await listAccounts(await ctx.db());
        if (flags.json) return ctx.printJson(rows);
        for (const a of rows) ctx.print(`${a.username}\t${a.role}\t${a.active ? 'active' : 'inactive'}\t${a.name}`);
      },
    }),
    command({
      name: 'del',
      help: 'delete an account (not the last active admin)',
      positionals: [{ name: 'username' }],
      async run({ args, ctx }) {
        const db = await ctx.db();
        const account = await getAccount(db, args.username);
        await deleteAccount(db, account.id);
        ctx.print(`account ${account.username} deleted`);
      },
    }),
  ],
};
