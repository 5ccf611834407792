// `mailhost policy`: spam policies and their assignment to domains and mailboxes.
import { command, type CommandGroup, type FlagValues } from '../engine';
import { createPolicy, updatePolicy, listPolicies, deletePolicy, assignPolicy, type Policy, type PolicyInput } from '../../lib/policy';
import { json, delCommand } from './common';

// the values are checked by lib/policy (one message for the CLI and the admin), so plain strings here
const POLICY_FLAGS = {
  threshold: { type: 'string', arg: 'N', help: 'score from which a message is spam (-1000 to 1000, decimals allowed)' },
  action: { type: 'string', arg: 'tag|junk|quarantine|delete|reject', help: 'what happens to spam' },
  'subject-tag': { type: 'string', arg: 'T', help: 'prefix of the subject of tagged spam' },
  warning: { type: 'string', arg: 'TEXT', help: 'a warning added to tagged spam' },
  newsletter: { type: 'string', arg: 'deliver|junk|quarantine', help: 'what happens to newsletters' },
  antivirus: { type: 'yesno', help: 'scan for viruses' },
  'virus-action': { type: 'string', arg: 'quarantine|reject|delete', help: 'what happens to a virus' },
} as const;

function input(flags: FlagValues<typeof POLICY_FLAGS>): PolicyInput {
  return {
    threshold: flags.threshold,
    action: flags.action,
    subjectTag: flags['subject-tag'],
    warning: flags.warning,
    newsletterAction: flags.newsletter,
    antivirus: flags.antivirus,
    virusAction: flags['virus-action'],
  };
}

function describe(p: Policy): string {
  return [
    p.name,
    `threshold=${p.threshold}`,
    `action=${p.action}`,
    `tag=${JSON.stringify(p.subject_tag)}`,
    `newsletter=${p.newsletter_action}`,
    `antivirus=${p.antivirus ? 'yes' : 'no'}`,
    `virus=${p.virus_action}`,
    p.warning ? `warning=${JSON.stringify(p.warning)}` : '',
  ]
    .filter(Boolean)
    .join('\t');
}

export const policyCommand: CommandGroup = {
  name: 'policy',
  summary: 'spam policies and their assignment to domains and mailboxes',
  commands: [
    command({
      name: 'add',
      help: 'add a spam policy',
      positionals: [{ name: 'name' }],
      flags: POLICY_FLAGS,
      async run({ flags, args, ctx }) {
        const p = await createPolicy(await ctx.db(), { name: args.name, ...input(flags) });
        ctx.print(`policy ${describe(p)} added`);
      },
    }),
    command({
      name: 'set',
      help: 'change a policy',
      positionals: [{ name: 'name' }],
      flags: { ...POLICY_FLAGS, rename: { type: 'string', arg: 'NEW', help: 'a new name' } },
      async run({ flags, args, ctx }) {
        const p = await updatePolicy(await ctx.db(), args.name, { ...input(flags), name: flags.rename });
        ctx.print(`policy ${describe(p)} updated`);
      },
    }),
    command({
      name: 'list',
      help: 'the policies and how many domains and mailboxes use each',
      flags: { json },
      async run({ flags, ctx }) {
        const rows = await listPolicies(await ctx.db());
        if (flags.json) return ctx.printJson(rows);
        for (const p of rows) ctx.print(`${describe(p)}\tdomains=${p.domains}\tmailboxes=${p.mailboxes}`);
      },
    }),
    delCommand('policy', 'name', 'delete a policy (not the default one)', deletePolicy),
    command({
      name: 'assign',
      help: 'give a domain or a mailbox a policy, or none',
      note: 'a mailbox assignment overrides its domain',
      positionals: [
        { name: 'name', label: '<name|none>' },
        { name: 'target', label: '<domain|address>' },
      ],
      async run({ args, ctx }) {
        const to = args.target.includes('@') ? { mailbox: args.target } : { domain: args.target };
        const p = await assignPolicy(await ctx.db(), to, args.name.toLowerCase() === 'none' ? null : args.name);
        ctx.print(p ? `${args.target} now uses policy ${p.name}` : `${args.target} has no policy of its own now`);
      },
    }),
  ],
};
