// `mailhost policy`: spam policies and their assignment to domains and mailboxes.
import { UsageError, parseFlags, yesNo, requirePositionals, type CommandGroup } from '../cli';
import { createPolicy, updatePolicy, listPolicies, deletePolicy, assignPolicy, type Policy, type PolicyInput } from '../../lib/policy';

const POLICY_FLAGS = {
  threshold: { type: 'string' },
  action: { type: 'string' },
  'subject-tag': { type: 'string' },
  warning: { type: 'string' },
  newsletter: { type: 'string' },
  antivirus: { type: 'string' },
  'virus-action': { type: 'string' },
} as const;

const FLAGS_USAGE = '[--threshold N] [--action tag|junk|quarantine|delete|reject] [--subject-tag T] [--warning TEXT] [--newsletter deliver|junk|quarantine] [--antivirus yes|no] [--virus-action quarantine|reject|delete]';

function input(values: Record<string, string | boolean | undefined>): PolicyInput {
  const s = (k: string) => values[k] as string | undefined;
  return {
    threshold: s('threshold'),
    action: s('action'),
    subjectTag: s('subject-tag'),
    warning: s('warning'),
    newsletterAction: s('newsletter'),
    antivirus: yesNo(s('antivirus'), '--antivirus'),
    virusAction: s('virus-action'),
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
  summary: [
    `policy add <name> ${FLAGS_USAGE}`,
    'policy set <name> [the same flags] [--rename NEW]',
    'policy list [--json]',
    'policy del <name>',
    'policy assign <name|none> <domain|address>   (a mailbox assignment overrides its domain)',
  ],
  async run(action, argv, ctx) {
    switch (action) {
      case 'add': {
        const { values, positionals } = parseFlags(argv, POLICY_FLAGS);
        requirePositionals(positionals, 1, `policy add <name> ${FLAGS_USAGE}`);
        const p = await createPolicy(await ctx.db(), { name: positionals[0], ...input(values) });
        ctx.print(`policy ${describe(p)} added`);
        return;
      }
      case 'set': {
        const { values, positionals } = parseFlags(argv, { ...POLICY_FLAGS, rename: { type: 'string' } });
        requirePositionals(positionals, 1, `policy set <name> ${FLAGS_USAGE} [--rename NEW]`);
        const p = await updatePolicy(await ctx.db(), positionals[0], { ...input(values), name: values.rename });
        ctx.print(`policy ${describe(p)} updated`);
        return;
      }
      case 'list': {
        const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
        if (positionals.length) throw new UsageError('usage: mailhost policy list [--json]');
        const rows = await listPolicies(await ctx.db());
        if (values.json) return ctx.printJson(rows);
        for (const p of rows) ctx.print(`${describe(p)}\tdomains=${p.domains}\tmailboxes=${p.mailboxes}`);
        return;
      }
      case 'del': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 1, 'policy del <name>');
        await deletePolicy(await ctx.db(), positionals[0]);
        ctx.print(`policy ${positionals[0]} deleted`);
        return;
      }
      case 'assign': {
        const { positionals } = parseFlags(argv, {});
        requirePositionals(positionals, 2, 'policy assign <name|none> <domain|address>');
        if (positionals.length > 2) throw new UsageError('usage: mailhost policy assign <name|none> <domain|address>');
        const [name, target] = positionals;
        const to = target.includes('@') ? { mailbox: target } : { domain: target };
        const p = await assignPolicy(await ctx.db(), to, name.toLowerCase() === 'none' ? null : name);
        ctx.print(p ? `${target} now uses policy ${p.name}` : `${target} has no policy of its own now`);
        return;
      }
      default:
        throw new UsageError('usage: mailhost policy add|set|list|del|assign ...');
    }
  },
};
