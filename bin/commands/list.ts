// `mailhost list`: sender allow/block/newsletter lists, global or per domain or per mailbox.
import { command, UsageError, type CommandGroup } from '../engine';
import { addListEntry, deleteListEntry, listEntries, ownerLabel, requireKind, loadListsFor, evaluateLists } from '../../lib/policy';
import { getMailbox } from '../../lib/directory';
import { displayAddress, displayDomain } from '../../lib/core';
import { json } from './common';

const OWNER_FLAGS = {
  domain: { type: 'string', arg: 'D', help: 'the list of a domain' },
  mailbox: { type: 'string', arg: 'A', help: 'the list of a mailbox' },
} as const;
const ONE_OWNER = [{ flags: ['domain', 'mailbox'] }] as const;
const KIND = { name: 'kind', label: 'allow|block|newsletter' } as const;

function shownPattern(p: string): string {
  const at = p.lastIndexOf('@');
  return `${p.slice(0, at)}@${p.slice(at + 1).includes('*') ? p.slice(at + 1) : displayDomain(p.slice(at + 1))}`;
}

export const listCommand: CommandGroup = {
  name: 'list',
  summary: 'sender allow, block and newsletter lists: global, of a domain or of a mailbox',
  commands: [
    command({
      name: 'add',
      help: 'add a sender pattern (address, @domain, *.domain) to a list',
      note: 'no scope = global',
      positionals: [KIND, { name: 'pattern' }],
      flags: { ...OWNER_FLAGS, comment: { type: 'string', arg: 'TEXT', help: 'why it is there' } },
      groups: ONE_OWNER,
      extra: 'one pattern at a time; quote patterns with * in them',
      async run({ flags, args, ctx }) {
        const kind = requireKind(args.kind);
        const e = await addListEntry(await ctx.db(), { domain: flags.domain, mailbox: flags.mailbox, kind, pattern: args.pattern, comment: flags.comment });
        ctx.print(`${shownPattern(e.pattern)} added to the ${ownerLabel(e)} ${e.kind} list`);
      },
    }),
    command({
      name: 'del',
      help: 'delete a pattern from a list, or the entry --id N',
      positionals: [
        { ...KIND, label: 'allow|block|newsletter <pattern>', optional: true },
        { name: 'pattern', label: '', optional: true }, // shown with the kind: both or neither
      ],
      flags: { ...OWNER_FLAGS, id: { type: 'int', help: 'the entry number shown by list list' } },
      groups: ONE_OWNER,
      async run({ flags, args, ctx, usage }) {
        const db = await ctx.db();
        if (flags.id !== undefined) {
          if (args.kind !== undefined) throw new UsageError('give --id or a kind and a pattern, not both');
          await deleteListEntry(db, { id: flags.id });
          ctx.print(`list entry ${flags.id} deleted`);
          return;
        }
        if (args.pattern === undefined) throw usage();
        await deleteListEntry(db, { domain: flags.domain, mailbox: flags.mailbox, kind: requireKind(args.kind!), pattern: args.pattern });
        ctx.print(`${args.pattern} deleted from the ${args.kind} list`);
      },
    }),
    command({
      name: 'list',
      help: 'the entries of every list, or of one scope or kind',
      flags: { global: { type: 'boolean', help: 'the global lists only' }, ...OWNER_FLAGS, kind: { type: 'string', arg: 'K', help: 'allow, block or newsletter' }, json },
      groups: [{ flags: ['global', 'domain', 'mailbox'] }],
      async run({ flags, ctx }) {
        const rows = await listEntries(await ctx.db(), { domain: flags.domain, mailbox: flags.mailbox, global: flags.global, kind: flags.kind });
        if (flags.json) return ctx.printJson(rows.map((r) => ({ id: r.id, scope: r.scope, owner: ownerLabel(r), kind: r.kind, pattern: r.pattern, comment: r.comment })));
        for (const r of rows) {
          const who = r.scope === 'mailbox' ? displayAddress(ownerLabel(r)) : r.scope === 'domain' ? displayDomain(ownerLabel(r)) : 'global';
          ctx.print(`${r.id}\t${r.scope}\t${who}\t${r.kind}\t${shownPattern(r.pattern)}${r.comment ? `\t# ${r.comment}` : ''}`);
        }
      },
    }),
    command({
      name: 'check',
      help: 'which list entry decides for a sender writing to a mailbox',
      positionals: [{ name: 'sender' }, { name: 'mailbox' }],
      flags: {
        from: { type: 'string', arg: 'HEADER_FROM', help: 'the header From, when it differs from the envelope sender' },
        'from-trusted': { type: 'boolean', help: "SPF or DKIM passed for the header From's domain (only then may it match an allow entry)" },
      },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const mb = await getMailbox(db, args.mailbox);
        const ref = { mailboxId: mb.id, mailboxAddress: mb.address, domainId: mb.domain_id };
        const d = evaluateLists(await loadListsFor(db, [ref]), ref, { envelope: args.sender, headerFrom: flags.from, fromTrusted: flags['from-trusted'] });
        ctx.print(d.decision ? `${d.decision} (${d.scope} list, ${d.pattern}, matched the ${d.matched === 'from' ? 'header From' : 'envelope sender'})` : 'no list decides');
        if (d.newsletter) ctx.print('newsletters from this sender are wanted');
      },
    }),
  ],
};
