// `mailhost mailbox ...`: the mailboxes of the hosted domains.
import { command, type CommandGroup } from '../engine';
import { DIGEST_FREQUENCIES, setDigestPreferences } from '../../lib/quarantine';
import { createMailbox, updateMailbox, listMailboxes, deleteMailbox, getMailbox } from '../../lib/directory';
import { setSendingState } from '../../lib/submission';
import { setSingleSession, checkNewMailbox, checkQuotaChange, planTransaction } from '../../lib/accounts';
import { setMailboxSwitches } from '../../lib/policy';
import { displayAddress } from '../../lib/core';
import { json, password, generatePassword, quotaMb, delCommand } from './common';

const name = { type: 'string', arg: 'LABEL', help: 'a display name' } as const;

export const mailboxCommand: CommandGroup = {
  name: 'mailbox',
  summary: 'the mailboxes of the hosted domains',
  commands: [
    command({
      name: 'add',
      help: 'add a mailbox on a hosted domain',
      positionals: [{ name: 'address' }],
      flags: { password, 'generate-password': generatePassword, 'quota-mb': { ...quotaMb, help: "quota in MB (default: the domain's, 0 = unlimited)" }, name },
      groups: [{ flags: ['password', 'generate-password'], required: true }],
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        // the plan of the domain's client, checked and taken in one transaction (lib/accounts/limits.ts)
        const { mailbox, password } = await planTransaction(db, async (trx) => {
          await checkNewMailbox(trx, args.address, flags['quota-mb']);
          return createMailbox(trx, {
            address: args.address,
            password: flags.password,
            generatePassword: flags['generate-password'],
            quotaMb: flags['quota-mb'],
            name: flags.name,
          });
        });
        ctx.print(`mailbox ${displayAddress(mailbox.address)} added${password ? `, password: ${password}` : ''}`);
      },
    }),
    command({
      name: 'set',
      help: 'change a mailbox',
      positionals: [{ name: 'address' }],
      flags: {
        active: { type: 'yesno', help: 'an inactive mailbox refuses mail and logins' },
        password,
        'quota-mb': quotaMb,
        redirect: { type: 'string', arg: 'a@x,b@y', help: "forward its mail to these addresses" },
        'keep-copy': { type: 'yesno', help: 'keep a copy of redirected mail' },
        name,
        sending: { type: 'enum', values: ['suspended', 'ok'] as const, help: 'suspend its sending (submission AUTH refused) or lift a suspension' },
        digest: { type: 'enum', values: DIGEST_FREQUENCIES, help: "how often its quarantine report is sent (default: the domain's, daily)" },
        'spam-filter': { type: 'yesno', help: 'filter its mail for spam (no: only where its domain allows it)' },
        antivirus: { type: 'yesno', help: 'hold viruses sent to it (no: only where its domain does not force it)' },
        'global-lists': { type: 'yesno', help: 'apply the server-wide sender lists to it' },
        'recovery-email': { type: 'string', arg: 'ADDRESS', help: 'where a lost-password link is sent ("" = none)' },
        'single-session': { type: 'yesno', help: 'a new login ends its other admin sessions' },
      },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        if (flags.sending) {
          const s = await setSendingState(db, args.address, flags.sending, ctx.settings.sending.suspendHours);
          ctx.print(s ? `sending of ${args.address} suspended until ${new Date(s.until).toISOString()}` : `sending of ${args.address} allowed`);
        }
        const id = (await getMailbox(db, args.address)).id;
        const mb = await planTransaction(db, async (trx) => {
          if (flags['quota-mb'] !== undefined) await checkQuotaChange(trx, id, flags['quota-mb']);
          return updateMailbox(trx, id, {
            active: flags.active,
            password: flags.password,
            quotaMb: flags['quota-mb'],
            redirectTo: flags.redirect,
            keepCopy: flags['keep-copy'],
            name: flags.name,
            recoveryEmail: flags['recovery-email'],
          });
        });
        if (flags['single-session'] !== undefined) await setSingleSession(db, 'mailbox', mb.id, flags['single-session']);
        if (flags.digest) await setDigestPreferences(db, mb.id, { frequency: flags.digest });
        await setMailboxSwitches(db, mb.id, { spamFilter: flags['spam-filter'], antivirus: flags.antivirus, globalLists: flags['global-lists'] });
        ctx.print(`mailbox ${displayAddress(mb.address)} updated`);
      },
    }),
    command({
      name: 'list',
      help: 'the mailboxes (of one domain), their state, quota and redirect',
      positionals: [{ name: 'domain', optional: true }],
      flags: { json },
      async run({ flags, args, ctx }) {
        const rows = await listMailboxes(await ctx.db(), { domain: args.domain });
        if (flags.json) {
          return ctx.printJson(
            rows.map((m) => ({ address: m.address, name: m.name, active: m.active, quota_mb: m.quota_mb, used_bytes: m.used_bytes, redirect_to: m.redirect_to, keep_copy: m.keep_copy })),
          );
        }
        for (const m of rows) {
          const redirect = m.redirect_to.length ? `\t-> ${m.redirect_to.join(',')}${m.keep_copy ? ' (+copy)' : ''}` : '';
          ctx.print(`${displayAddress(m.address)}\t${m.active ? 'active' : 'inactive'}\t${m.quota_mb || 'unlimited'} MB${redirect}`);
        }
      },
    }),
    delCommand('mailbox', 'address', 'delete a mailbox', deleteMailbox),
  ],
};
