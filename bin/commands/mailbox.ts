import { UsageError, parseFlags, intFlag, yesNo, requirePositionals, type CommandGroup } from '../cli';
import { createMailbox, updateMailbox, listMailboxes, deleteMailbox } from '../../lib/directory';
import { displayAddress } from '../../lib/core';

export const mailboxCommand: CommandGroup = {
  name: 'mailbox',
  summary: [
    'mailbox add <address> [--password PW | --generate-password] [--quota-mb N] [--name LABEL]',
    'mailbox set <address> [--active yes|no] [--password PW] [--quota-mb N] [--redirect a@x,b@y] [--keep-copy yes|no] [--name LABEL]',
    'mailbox list [<domain>] [--json]',
    'mailbox del <address>',
  ],
  async run(action, argv, ctx) {
    const db = await ctx.db();
    switch (action) {
      case 'add': {
        const { values, positionals } = parseFlags(argv, {
          password: { type: 'string' },
          'generate-password': { type: 'boolean' },
          'quota-mb': { type: 'string' },
          name: { type: 'string' },
        });
        requirePositionals(positionals, 1, 'mailbox add <address> [--password PW | --generate-password] [--quota-mb N] [--name LABEL]');
        if (values.password !== undefined && values['generate-password']) throw new UsageError('give --password or --generate-password, not both');
        if (values.password === undefined && !values['generate-password']) throw new UsageError('give --password PW or --generate-password');
        const { mailbox, password } = await createMailbox(db, {
          address: positionals[0],
          password: values.password,
          generatePassword: values['generate-password'],
          quotaMb: intFlag(values['quota-mb'], '--quota-mb'),
          name: values.name,
        });
        ctx.print(`mailbox ${displayAddress(mailbox.address)} added${password ? `, password: ${password}` : ''}`);
        return;
      }
      case 'set': {
        const { values, positionals } = parseFlags(argv, {
          active: { type: 'string' },
          password: { type: 'string' },
          'quota-mb': { type: 'string' },
          redirect: { type: 'string' },
          'keep-copy': { type: 'string' },
          name: { type: 'string' },
        });
        requirePositionals(positionals, 1, 'mailbox set <address> [--active yes|no] [--password PW] [--quota-mb N] [--redirect a@x,b@y] [--keep-copy yes|no]');
        const mb = await updateMailbox(db, positionals[0], {
          active: yesNo(values.active, '--active'),
          password: values.password,
          quotaMb: intFlag(values['quota-mb'], '--quota-mb'),
          redirectTo: values.redirect,
          keepCopy: yesNo(values['keep-copy'], '--keep-copy'),
          name: values.name,
        });
        ctx.print(`mailbox ${displayAddress(mb.address)} updated`);
        return;
      }
      case 'list': {
        const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
        const rows = await listMailboxes(db, { domain: positionals[0] });
        if (values.json) {
          return ctx.printJson(
            rows.map((m) => ({ address: m.address, name: m.name, active: m.active, quota_mb: m.quota_mb, used_bytes: m.used_bytes, redirect_to: m.redirect_to, keep_copy: m.keep_copy })),
          );
        }
        for (const m of rows) {
          const redirect = m.redirect_to.length ? `\t-> ${m.redirect_to.join(',')}${m.keep_copy ? ' (+copy)' : ''}` : '';
          ctx.print(`${displayAddress(m.address)}\t${m.active ? 'active' : 'inactive'}\t${m.quota_mb || 'unlimited'} MB${redirect}`);
        }
        return;
      }
      case 'del': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 1, 'mailbox del <address>');
        await deleteMailbox(db, positionals[0]);
        ctx.print(`mailbox ${positionals[0]} deleted`);
        return;
      }
      default:
        throw new UsageError('usage: mailhost mailbox add|set|list|del ...');
    }
  },
};
