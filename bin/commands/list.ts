// `mailhost list`: sender allow/block/newsletter lists, global or per domain or per mailbox.
import { UsageError, parseFlags, intFlag, requirePositionals, type CommandGroup } from '../cli';
import { addListEntry, deleteListEntry, listEntries, ownerLabel, requireKind, loadListsFor, evaluateLists, type ListOwnerInput } from '../../lib/policy';
import { getMailbox } from '../../lib/directory';
import { displayAddress, displayDomain } from '../../lib/core';

const OWNER_FLAGS = { domain: { type: 'string' }, mailbox: { type: 'string' } } as const;

function owner(values: { domain?: string; mailbox?: string }): ListOwnerInput {
  if (values.domain !== undefined && values.mailbox !== undefined) throw new UsageError('give --domain or --mailbox, not both');
  return { domain: values.domain, mailbox: values.mailbox };
}

function shownPattern(p: string): string {
  const at = p.lastIndexOf('@');
  return `${p.slice(0, at)}@${p.slice(at + 1).includes('*') ? p.slice(at + 1) : displayDomain(p.slice(at + 1))}`;
}

export const listCommand: CommandGroup = {
  name: 'list',
  summary: [
    'list add allow|block|newsletter <pattern> [--domain D | --mailbox A] [--comment TEXT]   (no scope = global)',
    'list del allow|block|newsletter <pattern> [--domain D | --mailbox A]  |  list del --id N',
    'list list [--global | --domain D | --mailbox A] [--kind K] [--json]',
    'list check <sender> <mailbox> [--from HEADER_FROM] [--from-trusted]   (which entry decides)',
  ],
  async run(action, argv, ctx) {
    switch (action) {
      case 'add': {
        const { values, positionals } = parseFlags(argv, { ...OWNER_FLAGS, comment: { type: 'string' } });
        requirePositionals(positionals, 2, 'list add allow|block|newsletter <pattern> [--domain D | --mailbox A]');
        if (positionals.length > 2) throw new UsageError('one pattern at a time (quote patterns with * in them)');
        const kind = requireKind(positionals[0]);
        const db = await ctx.db();
        const e = await addListEntry(db, { ...owner(values), kind, pattern: positionals[1], comment: values.comment });
        ctx.print(`${shownPattern(e.pattern)} added to the ${ownerLabel(e)} ${e.kind} list`);
        return;
      }
      case 'del': {
        const { values, positionals } = parseFlags(argv, { ...OWNER_FLAGS, id: { type: 'string' } });
        const db = await ctx.db();
        if (values.id !== undefined) {
          if (positionals.length) throw new UsageError('give --id or a kind and a pattern, not both');
          await deleteListEntry(db, { id: intFlag(values.id, '--id')! });
          ctx.print(`list entry ${values.id} deleted`);
          return;
        }
        requirePositionals(positionals, 2, 'list del allow|block|newsletter <pattern> [--domain D | --mailbox A]');
        await deleteListEntry(db, { ...owner(values), kind: requireKind(positionals[0]), pattern: positionals[1] });
        ctx.print(`${positionals[1]} deleted from the ${positionals[0]} list`);
        return;
      }
      case 'list': {
        const { values, positionals } = parseFlags(argv, { ...OWNER_FLAGS, global: { type: 'boolean' }, kind: { type: 'string' }, json: { type: 'boolean' } });
        if (positionals.length) throw new UsageError('usage: mailhost list list [--global | --domain D | --mailbox A] [--kind K] [--json]');
        if (values.global && (values.domain !== undefined || values.mailbox !== undefined)) throw new UsageError('--global takes no --domain or --mailbox');
        const db = await ctx.db();
        const rows = await listEntries(db, { ...owner(values), global: values.global, kind: values.kind });
        if (values.json) return ctx.printJson(rows.map((r) => ({ id: r.id, scope: r.scope, owner: ownerLabel(r), kind: r.kind, pattern: r.pattern, comment: r.comment })));
        for (const r of rows) {
          const who = r.scope === 'mailbox' ? displayAddress(ownerLabel(r)) : r.scope === 'domain' ? displayDomain(ownerLabel(r)) : 'global';
          ctx.print(`${r.id}\t${r.scope}\t${who}\t${r.kind}\t${shownPattern(r.pattern)}${r.comment ? `\t# ${r.comment}` : ''}`);
        }
        return;
      }
      case 'check': {
        const { values, positionals } = parseFlags(argv, { from: { type: 'string' }, 'from-trusted': { type: 'boolean' } });
        requirePositionals(positionals, 2, 'list check <sender> <mailbox> [--from HEADER_FROM] [--from-trusted]');
        const db = await ctx.db();
        const mb = await getMailbox(db, positionals[1]);
        const ref = { mailboxId: mb.id, mailboxAddress: mb.address, domainId: mb.domain_id };
        const d = evaluateLists(await loadListsFor(db, [ref]), ref, { envelope: positionals[0], headerFrom: values.from, fromTrusted: values['from-trusted'] });
        ctx.print(d.decision ? `${d.decision} (${d.scope} list, ${d.pattern}, matched the ${d.matched === 'from' ? 'header From' : 'envelope sender'})` : 'no list decides');
        if (d.newsletter) ctx.print('newsletters from this sender are wanted');
        return;
      }
      default:
        throw new UsageError('usage: mailhost list add|del|list|check ...');
    }
  },
};
