// The spam settings a mailbox owner switches (Plesk's spam and antivirus switches), and the
// domain rules that bound them:
//   spam filtering  off: no spam or newsletter verdict for the mailbox, mail goes to the inbox
//                   (sender lists and the virus check still apply). Allowed only while the
//                   domain allows it (domains.allow_no_spam_filter, default yes: an ISP's
//                   customer expects the choice, the ISP or client may take it away).
//   antivirus       off: a virus reported by the scanner is not held for the mailbox. Ignored
//                   when the domain forces the check (domains.force_antivirus, default no). The
//                   policy's own antivirus switch (admin) still comes first: both must be on.
//   server-wide sender lists  off: the global allow/block/newsletter entries do not apply to
//                   the mailbox (its own and its domain's still do).
// A forbidden combination is refused when written, and also ignored when met (the domain
// changed its rule after the mailbox switched), so the domain rule always wins.
// Every write bumps the directory generation: the per-process caches (policies, directory)
// see it within a second on every node.
import { type Db, bumpGeneration, MailhostError } from '../core';
import { getDomain, getMailbox, type DomainRow } from '../directory';

/** What a mailbox asked for (its columns); absent = on, as the columns default. */
export interface MailboxSwitchRow {
  spam_filter?: unknown;
  antivirus?: unknown;
  global_lists?: unknown;
}

/** What its domain allows (its columns); absent = allows everything, forces nothing. */
export interface DomainSwitchRow {
  allow_no_spam_filter?: unknown;
  force_antivirus?: unknown;
}

/** The switches that apply to one recipient. */
export interface SpamSwitches {
  spamFilter: boolean;
  antivirus: boolean;
  globalLists: boolean;
}

export const ALL_ON: SpamSwitches = { spamFilter: true, antivirus: true, globalLists: true };

const on = (v: unknown, dflt: boolean) => (v == null ? dflt : !!Number(v));

/** The mailbox's wishes within what its domain allows. */
export function effectiveSwitches(mb: MailboxSwitchRow | null | undefined, d: DomainSwitchRow | null | undefined): SpamSwitches {
  const allowNoFilter = on(d?.allow_no_spam_filter, true);
  const forceAv = on(d?.force_antivirus, false);
  return {
    spamFilter: !allowNoFilter || on(mb?.spam_filter, true),
    antivirus: forceAv || on(mb?.antivirus, true),
    globalLists: on(mb?.global_lists, true),
  };
}

/**
 * The category a recipient sees: the engine's, recomputed with its threshold and antivirus
 * switches (a mailbox without spam filtering keeps it: decideFate delivers spam and newsletters
 * to its inbox, and the "spam: ..." reason still keeps autoreplies from answering spam).
 * `categorize` is lib/spam's, passed in: lib/policy does not depend on the engine.
 */
export function recipientCategory(
  verdict: { score: number; newsletter: boolean; category: string },
  policy: { threshold: number; antivirus: boolean },
  switches: SpamSwitches,
  categorize: (score: number, newsletter: boolean, virus: boolean, threshold: number) => 'ham' | 'newsletter' | 'spam' | 'virus',
): 'ham' | 'newsletter' | 'spam' | 'virus' {
  const virus = verdict.category === 'virus' && policy.antivirus && switches.antivirus;
  return categorize(verdict.score, verdict.newsletter, virus, policy.threshold);
}

export interface MailboxSwitchesInput {
  spamFilter?: boolean;
  antivirus?: boolean;
  globalLists?: boolean;
}

/** A mailbox's switches as stored, and what its domain allows. */
export interface MailboxSwitches extends SpamSwitches {
  /** the domain lets its mailboxes turn spam filtering off */
  noFilterAllowed: boolean;
  /** the domain keeps the virus check on for its mailboxes */
  antivirusForced: boolean;
}

export async function getMailboxSwitches(db: Db, mailbox: string | number): Promise<MailboxSwitches> {
  const mb = await getMailbox(db, mailbox);
  const [row, d] = await Promise.all([db('mailboxes').where({ id: mb.id }).first('spam_filter', 'antivirus', 'global_lists'), getDomain(db, mb.domain_id)]);
  return { ...effectiveSwitches(row, d), noFilterAllowed: d.allow_no_spam_filter, antivirusForced: d.force_antivirus };
}

/** Refuses what the domain does not allow, with a message for the owner. */
function checkAllowed(d: DomainRow, input: MailboxSwitchesInput): void {
  // forbidden, with the field at fault so that a form shows it next to the switch
  if (input.spamFilter === false && !d.allow_no_spam_filter) throw new MailhostError('forbidden', 'spam filtering cannot be turned off for the mailboxes of this domain', 'spam_filter');
  if (input.antivirus === false && d.force_antivirus) throw new MailhostError('forbidden', 'the virus check cannot be turned off for the mailboxes of this domain', 'antivirus');
}

/** Sets a mailbox's switches (only those given). */
export async function setMailboxSwitches(db: Db, mailbox: string | number, input: MailboxSwitchesInput): Promise<MailboxSwitches> {
  const mb = await getMailbox(db, mailbox);
  checkAllowed(await getDomain(db, mb.domain_id), input);
  const set: Record<string, boolean> = {};
  if (input.spamFilter !== undefined) set.spam_filter = input.spamFilter;
  if (input.antivirus !== undefined) set.antivirus = input.antivirus;
  if (input.globalLists !== undefined) set.global_lists = input.globalLists;
  if (Object.keys(set).length) {
    await db('mailboxes')
      .where({ id: mb.id })
      .update({ ...set, updated_at: db.fn.now() });
    await bumpGeneration(db);
  }
  return getMailboxSwitches(db, mb.id);
}

export interface DomainRulesInput {
  allowNoSpamFilter?: boolean;
  forceAntivirus?: boolean;
}

/** Sets what a domain allows its mailboxes (only what is given). */
export async function setDomainSpamRules(db: Db, domain: string | number, input: DomainRulesInput): Promise<DomainRow> {
  const d = await getDomain(db, domain);
  const set: Record<string, boolean> = {};
  if (input.allowNoSpamFilter !== undefined) set.allow_no_spam_filter = input.allowNoSpamFilter;
  if (input.forceAntivirus !== undefined) set.force_antivirus = input.forceAntivirus;
  if (Object.keys(set).length) {
    await db('domains')
      .where({ id: d.id })
      .update({ ...set, updated_at: db.fn.now() });
    await bumpGeneration(db);
  }
  return getDomain(db, d.id);
}
