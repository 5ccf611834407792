// The spam switches of a mailbox (lib/policy switches) on its Spam filter tab, and the rules
// a domain sets for them on the domain form. Kept apart from mailboxes.ts and domains.ts: those
// only list the fields and wrap their tab / hooks with what is here.
import { getMailboxSwitches, setMailboxSwitches, setDomainSpamRules } from '../../lib/policy';
import { MailhostError } from '../../lib/core';
import type { Ctx, FieldDef, FormValues, TabDef } from '../engine/types';
import { defined } from './common';

/** On the mailbox's Spam filter tab (every role that reaches it: the owner chooses). */
export const mailboxSwitchFields: FieldDef[] = [
  { name: 'spam_filter', type: 'checkbox', label: 'field.mailbox_spam_filter', help: 'help.mailbox_spam_filter', default: true },
  { name: 'antivirus', type: 'checkbox', label: 'field.mailbox_antivirus', help: 'help.mailbox_antivirus', default: true },
  { name: 'global_lists', type: 'checkbox', label: 'field.mailbox_global_lists', help: 'help.mailbox_global_lists', default: true },
];

/** On the domain's form (admin and the client who owns it). */
export const domainRuleFields: FieldDef[] = [
  { name: 'allow_no_spam_filter', type: 'checkbox', label: 'field.allow_no_spam_filter', help: 'help.allow_no_spam_filter', default: true },
  { name: 'force_antivirus', type: 'checkbox', label: 'field.force_antivirus', help: 'help.force_antivirus', default: false },
];

/** lib's refusals in the reader's language, next to the switch. */
const REFUSALS: Record<string, string> = { spam_filter: 'err.no_spam_filter_forbidden', antivirus: 'err.antivirus_forced' };

function translated(ctx: Ctx, err: unknown): unknown {
  if (err instanceof MailhostError && err.code === 'forbidden' && err.field && REFUSALS[err.field]) return new MailhostError('forbidden', ctx.t(REFUSALS[err.field]), err.field);
  return err;
}

/** The mailbox's Spam filter tab with the switches too: loaded and saved (first, so a refusal changes nothing) through lib. */
export function withSpamSwitches(tab: TabDef): TabDef {
  return {
    ...tab,
    fields: [...tab.fields, ...mailboxSwitchFields.map((f) => f.name)],
    async load(ctx, row) {
      const [base, s] = await Promise.all([tab.load ? tab.load(ctx, row) : Promise.resolve({}), getMailboxSwitches(ctx.db, Number(row.id))]);
      return { ...base, spam_filter: s.spamFilter, antivirus: s.antivirus, global_lists: s.globalLists };
    },
    async save(ctx, row, v) {
      await setMailboxSwitches(ctx.db, Number(row.id), defined({ spamFilter: v.checkbox('spam_filter'), antivirus: v.checkbox('antivirus'), globalLists: v.checkbox('global_lists') })).catch((err) => {
        throw translated(ctx, err);
      });
      await tab.save?.(ctx, row, v);
    },
  };
}

/** Saves the domain's rules for its mailboxes' switches (those on the submitted form). */
export async function saveDomainRules(ctx: Ctx, domainId: number, v: FormValues): Promise<void> {
  await setDomainSpamRules(ctx.db, domainId, defined({ allowNoSpamFilter: v.checkbox('allow_no_spam_filter'), forceAntivirus: v.checkbox('force_antivirus') }));
}
