// Spam policies: what happens to spam, newsletters and viruses for a recipient.
// A policy is assigned to a domain (domains.spam_policy_id) and may be overridden per mailbox
// (mailboxes.spam_policy_id); where neither is set the policy named "default" applies.
// An external target (forward) takes the policy of what pointed at it: the redirecting
// mailbox, else the alias's domain.
import { rawRows, placeholders, bumpGeneration, type Db, invalid, notFound, conflict, forbidden, isUniqueViolation } from '../core';
import { getDomain, getMailbox, MAILBOX_POLICY_PREFIX, mailboxPolicyName, type PolicyInputs } from '../directory';
import type { ScopeRef } from './senderLists';
import { effectiveSwitches, type SpamSwitches } from './switches';

export const SPAM_ACTIONS = ['tag', 'junk', 'quarantine', 'delete', 'reject'] as const;
export const NEWSLETTER_ACTIONS = ['deliver', 'junk', 'quarantine'] as const;
export const VIRUS_ACTIONS = ['quarantine', 'reject', 'delete'] as const;
export type SpamAction = (typeof SPAM_ACTIONS)[number];
export type NewsletterAction = (typeof NEWSLETTER_ACTIONS)[number];
export type VirusAction = (typeof VIRUS_ACTIONS)[number];

export const DEFAULT_POLICY_NAME = 'default';
export const DEFAULT_SUBJECT_TAG = '*****SPAM*****';

export interface Policy {
  id: number;
  name: string;
  threshold: number; // score >= threshold is spam
  action: SpamAction;
  subject_tag: string; // '' = no tag
  warning: string | null; // text added on top of the body of tagged copies
  newsletter_action: NewsletterAction;
  antivirus: boolean;
  virus_action: VirusAction;
}

/** Used only when the "default" row has been removed from the database by hand. */
export const BUILTIN_DEFAULT_POLICY: Policy = {
  id: 0,
  name: DEFAULT_POLICY_NAME,
  threshold: 5,
  action: 'tag',
  subject_tag: DEFAULT_SUBJECT_TAG,
  warning: null,
  newsletter_action: 'deliver',
  antivirus: true,
  virus_action: 'quarantine',
};

export function toPolicy(r: Record<string, unknown>): Policy {
  return {
    id: Number(r.id),
    name: String(r.name),
    threshold: Number(r.threshold),
    action: r.action as SpamAction,
    subject_tag: String(r.subject_tag ?? ''),
    warning: r.warning == null || r.warning === '' ? null : String(r.warning),
    newsletter_action: r.newsletter_action as NewsletterAction,
    antivirus: !!r.antivirus,
    virus_action: r.virus_action as VirusAction,
  };
}

export interface PolicyInput {
  name?: string;
  threshold?: number | string;
  action?: string;
  subjectTag?: string;
  warning?: string | null;
  newsletterAction?: string;
  antivirus?: boolean;
  virusAction?: string;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T)) throw invalid(field, `${field.replace(/_/g, ' ')} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export function requirePolicyName(name: string): string {
  const n = String(name ?? '').trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(n)) throw invalid('name', `invalid policy name "${name}" (letters, digits, . _ -; up to 64)`);
  if (n.toLowerCase() === 'none') throw invalid('name', '"none" is reserved (it clears an assignment)');
  return n;
}

export function requireThreshold(value: number | string): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isFinite(n) || n < -1000 || n > 1000) throw invalid('threshold', `threshold must be a number between -1000 and 1000, got "${value}"`);
  return Math.round(n * 100) / 100;
}

function columns(input: PolicyInput): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (input.threshold !== undefined) set.threshold = requireThreshold(input.threshold);
  if (input.action !== undefined) set.action = oneOf(input.action, SPAM_ACTIONS, 'action');
  if (input.subjectTag !== undefined) {
    if (/[\r\n\0]/.test(input.subjectTag)) throw invalid('subject_tag', 'the subject tag must be on one line');
    if (input.subjectTag.length > 190) throw invalid('subject_tag', 'the subject tag is too long (190 characters at most)');
    set.subject_tag = input.subjectTag.trim();
  }
  if (input.warning !== undefined) {
    const w = (input.warning ?? '').replace(/\0/g, '').trim();
    if (w.length > 4000) throw invalid('warning', 'the warning text is too long (4000 characters at most)');
    set.warning = w || null;
  }
  if (input.newsletterAction !== undefined) set.newsletter_action = oneOf(input.newsletterAction, NEWSLETTER_ACTIONS, 'newsletter_action');
  if (input.antivirus !== undefined) set.antivirus = !!input.antivirus;
  if (input.virusAction !== undefined) set.virus_action = oneOf(input.virusAction, VIRUS_ACTIONS, 'virus_action');
  return set;
}

export async function createPolicy(db: Db, input: PolicyInput & { name: string }): Promise<Policy> {
  const name = requirePolicyName(input.name);
  const set = columns(input);
  try {
    const [id] = await db('spam_policies').insert({ name, ...set });
    await bumpGeneration(db);
    return getPolicy(db, Number(id));
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('name', `policy ${name} already exists`);
    throw err;
  }
}

/** A policy by id or name, or null when there is none. */
export async function findPolicy(db: Db, nameOrId: string | number): Promise<Policy | null> {
  const r = typeof nameOrId === 'number' ? await db('spam_policies').where({ id: nameOrId }).first() : await db('spam_policies').where({ name: String(nameOrId).trim() }).first();
  return r ? toPolicy(r) : null;
}

export async function getPolicy(db: Db, nameOrId: string | number): Promise<Policy> {
  const p = await findPolicy(db, nameOrId);
  if (!p) throw notFound(`policy ${nameOrId} does not exist`);
  return p;
}

export async function updatePolicy(db: Db, nameOrId: string | number, patch: PolicyInput): Promise<Policy> {
  const p = await getPolicy(db, nameOrId);
  const set = columns(patch);
  if (patch.name !== undefined && patch.name !== p.name) {
    if (p.name === DEFAULT_POLICY_NAME) throw forbidden('the default policy cannot be renamed');
    set.name = requirePolicyName(patch.name);
  }
  if (!Object.keys(set).length) return p;
  try {
    await db('spam_policies')
      .where({ id: p.id })
      .update({ ...set, updated_at: db.fn.now() });
    await bumpGeneration(db);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('name', `policy ${String(set.name)} already exists`);
    throw err;
  }
  return getPolicy(db, p.id);
}

export interface PolicyListRow extends Policy {
  domains: number; // how many domains use it
  mailboxes: number; // how many mailbox overrides
}

export async function listPolicies(db: Db): Promise<PolicyListRow[]> {
  const [rows, d, m] = await Promise.all([
    db('spam_policies').orderBy('name'),
    db('domains').whereNotNull('spam_policy_id').groupBy('spam_policy_id').select('spam_policy_id').count({ n: '*' }),
    db('mailboxes').whereNotNull('spam_policy_id').groupBy('spam_policy_id').select('spam_policy_id').count({ n: '*' }),
  ]);
  const count = (list: Record<string, unknown>[], id: number) => Number(list.find((x) => Number(x.spam_policy_id) === id)?.n ?? 0);
  return rows.map((r: Record<string, unknown>) => {
    const p = toPolicy(r);
    return { ...p, domains: count(d, p.id), mailboxes: count(m, p.id) };
  });
}

/** Deletes a policy; domains and mailboxes that used it fall back to their next level. */
export async function deletePolicy(db: Db, nameOrId: string | number): Promise<void> {
  const p = await getPolicy(db, nameOrId);
  if (p.name === DEFAULT_POLICY_NAME) throw forbidden('the default policy cannot be deleted');
  await db.transaction(async (trx) => {
    await trx('domains').where({ spam_policy_id: p.id }).update({ spam_policy_id: null });
    await trx('mailboxes').where({ spam_policy_id: p.id }).update({ spam_policy_id: null });
    await trx('spam_policies').where({ id: p.id }).delete();
    await bumpGeneration(trx);
  });
}

/**
 * Assigns a policy to a domain, or overrides it for a mailbox; `null` (or "none") clears the
 * assignment so the next level applies again.
 */
export async function assignPolicy(db: Db, to: { domain?: string | number; mailbox?: string | number }, policy: string | number | null): Promise<Policy | null> {
  if ((to.domain == null) === (to.mailbox == null)) throw invalid('target', 'assign to one domain or one mailbox');
  const p = policy == null || String(policy).toLowerCase() === 'none' ? null : await getPolicy(db, policy);
  if (to.mailbox != null) {
    const mb = await getMailbox(db, to.mailbox);
    await db('mailboxes').where({ id: mb.id }).update({ spam_policy_id: p?.id ?? null, updated_at: db.fn.now() });
  } else {
    const d = await getDomain(db, to.domain!);
    await db('domains').where({ id: d.id }).update({ spam_policy_id: p?.id ?? null, updated_at: db.fn.now() });
  }
  await bumpGeneration(db);
  return p;
}

export interface EffectivePolicy {
  policy: Policy;
  source: 'mailbox' | 'domain' | 'default';
  /** the mailbox's spam filter, antivirus and server-wide lists switches, within its domain's rules (lib/policy switches) */
  switches: SpamSwitches;
}

function pick(policies: Map<number, Policy>, fallback: Policy, mailboxPolicy: number | null | undefined, domainPolicy: number | null | undefined): Omit<EffectivePolicy, 'switches'> {
  if (mailboxPolicy != null && policies.has(mailboxPolicy)) return { policy: policies.get(mailboxPolicy)!, source: 'mailbox' };
  if (domainPolicy != null && policies.has(domainPolicy)) return { policy: policies.get(domainPolicy)!, source: 'domain' };
  return { policy: fallback, source: 'default' };
}


/**
 * One round trip for the policies of a message's scopes: the policy row (if any) of each
 * mailbox and of each domain involved, and the default policy, tagged 'm' / 'd' / 'p', with
 * the mailbox's switches and the domain's rules for them (lib/policy switches).
 * Every branch names its columns: the first one present gives the names.
 * Only the conditions that have values are written, so every branch stays an index lookup.
 */
function policiesQuery(mbIds: number[], mbAddrs: string[], dIds: number[], dNames: string[]): { sql: string; bindings: (string | number)[] } {
  const parts: string[] = [];
  const bindings: (string | number)[] = [];
  const where = (conds: [string, (string | number)[]][]) => {
    const used = conds.filter(([, v]) => v.length);
    for (const [, v] of used) bindings.push(...v);
    return used.map(([c, v]) => `${c} IN (${placeholders(v.length)})`).join(' OR ');
  };
  if (mbIds.length || mbAddrs.length) {
    parts.push(`SELECT 'm' AS k, m.id AS ref_id, m.address AS ref_name, m.domain_id AS ref_domain,
       m.spam_filter AS sw_filter, m.antivirus AS sw_antivirus, m.global_lists AS sw_global, NULL AS d_allow_no_filter, NULL AS d_force_antivirus, p.*
  FROM mailboxes m LEFT JOIN spam_policies p ON p.id = m.spam_policy_id WHERE ${where([['m.id', mbIds], ['m.address', mbAddrs]])}`);
  }
  if (dIds.length || dNames.length) {
    parts.push(`SELECT 'd' AS k, d.id AS ref_id, d.name AS ref_name, NULL AS ref_domain,
       NULL AS sw_filter, NULL AS sw_antivirus, NULL AS sw_global, d.allow_no_spam_filter AS d_allow_no_filter, d.force_antivirus AS d_force_antivirus, p.*
  FROM domains d LEFT JOIN spam_policies p ON p.id = d.spam_policy_id WHERE ${where([['d.id', dIds], ['d.name', dNames]])}`);
  }
  parts.push(`SELECT 'p' AS k, NULL AS ref_id, NULL AS ref_name, NULL AS ref_domain,
       NULL AS sw_filter, NULL AS sw_antivirus, NULL AS sw_global, NULL AS d_allow_no_filter, NULL AS d_force_antivirus, p.* FROM spam_policies p WHERE p.name = ?`);
  bindings.push(DEFAULT_POLICY_NAME);
  return { sql: parts.join('\nUNION ALL\n'), bindings };
}

/** The policy of each scope (mailbox override > domain > default), in one query. */
export async function effectivePolicies(db: Db, refs: ScopeRef[]): Promise<EffectivePolicy[]> {
  const mbIds = [...new Set(refs.map((r) => r.mailboxId).filter((x): x is number => x != null))];
  const mbAddrs = [...new Set(refs.filter((r) => r.mailboxId == null && r.mailboxAddress).map((r) => r.mailboxAddress!))];
  const dIds = [...new Set(refs.map((r) => r.domainId).filter((x): x is number => x != null))];
  const dNames = [...new Set(refs.filter((r) => r.domainId == null && r.domainName).map((r) => r.domainName!))];
  const { sql, bindings } = policiesQuery(mbIds, mbAddrs, dIds, dNames);
  const rows = rawRows(await db.raw(sql, bindings));
  const num = (v: unknown) => (v == null ? null : Number(v));
  const policies = new Map<number, Policy>();
  for (const r of rows) if (r.id != null) policies.set(Number(r.id), toPolicy(r));
  const fallback = rows.find((r) => r.k === 'p') ? toPolicy(rows.find((r) => r.k === 'p')!) : BUILTIN_DEFAULT_POLICY;
  const mbs = rows.filter((r) => r.k === 'm');
  const ds = rows.filter((r) => r.k === 'd');
  return refs.map((ref) => {
    const mb = mbs.find((m) => (ref.mailboxId != null ? Number(m.ref_id) === ref.mailboxId : !!ref.mailboxAddress && m.ref_name === ref.mailboxAddress));
    const domainId = ref.domainId ?? (mb ? Number(mb.ref_domain) : undefined);
    const d = ds.find((x) => domainId != null && Number(x.ref_id) === domainId) ?? ds.find((x) => !!ref.domainName && x.ref_name === ref.domainName);
    const switches = effectiveSwitches(mb && { spam_filter: mb.sw_filter, antivirus: mb.sw_antivirus, global_lists: mb.sw_global }, d && { allow_no_spam_filter: d.d_allow_no_filter, force_antivirus: d.d_force_antivirus });
    return { ...pick(policies, fallback, num(mb?.id), num(d?.id)), switches };
  });
}

/**
 * The effective policy of a mailbox from what the directory read with it at RCPT: the same
 * choice as effectivePolicies (mailbox policy > domain policy > default, switches within the
 * domain's rules) without asking the database (`policies`: the rows of the ids involved).
 */
export function effectivePolicyOf(inputs: PolicyInputs, policies: Map<number, Policy>, fallback: Policy): EffectivePolicy {
  return { ...pick(policies, fallback, inputs.mailboxPolicyId, inputs.domainPolicyId), switches: effectiveSwitches(inputs.mailbox, inputs.domain) };
}

// ---------------------------------------------------------------------------------------------
// A mailbox's "own settings": a private policy that only that mailbox uses. Its name starts
// with "~", which requirePolicyName refuses, so no shared policy can ever collide with it.

export { MAILBOX_POLICY_PREFIX, mailboxPolicyName };

/** True for the private policy of a mailbox (not offered as a shared policy). */
export function isMailboxPolicy(name: string): boolean {
  return String(name).startsWith(MAILBOX_POLICY_PREFIX);
}

/**
 * Gives a mailbox its own threshold and actions: creates (from the policy that applied so far,
 * for the subject tag, warning and antivirus settings) or updates its private policy, and
 * assigns it to the mailbox.
 */
export async function setMailboxOwnPolicy(db: Db, mailbox: string | number, input: Pick<PolicyInput, 'threshold' | 'action' | 'newsletterAction'>): Promise<Policy> {
  const mb = await getMailbox(db, mailbox);
  const name = mailboxPolicyName(mb.id);
  const set = columns({ threshold: input.threshold, action: input.action, newsletterAction: input.newsletterAction });
  const existing = await db('spam_policies').where({ name }).first('id');
  let id: number;
  if (existing) {
    id = Number(existing.id);
    await db('spam_policies')
      .where({ id })
      .update({ ...set, updated_at: db.fn.now() });
  } else {
    const [base] = await effectivePolicies(db, [{ mailboxId: mb.id, domainId: mb.domain_id }]);
    const from = base.policy;
    const [newId] = await db('spam_policies').insert({
      name,
      threshold: from.threshold,
      action: from.action,
      subject_tag: from.subject_tag,
      warning: from.warning,
      newsletter_action: from.newsletter_action,
      antivirus: from.antivirus,
      virus_action: from.virus_action,
      ...set,
    });
    id = Number(newId);
  }
  await db('mailboxes').where({ id: mb.id }).update({ spam_policy_id: id, updated_at: db.fn.now() });
  await bumpGeneration(db);
  return getPolicy(db, id);
}

/** Assigns a shared policy (or none: the domain's applies) to a mailbox and drops its private policy. */
export async function setMailboxSharedPolicy(db: Db, mailbox: string | number, policy: string | number | null): Promise<Policy | null> {
  const mb = await getMailbox(db, mailbox);
  if (policy != null && String(policy).toLowerCase() !== 'none' && isMailboxPolicy((await getPolicy(db, policy)).name)) {
    throw invalid('spam_policy_id', 'a private mailbox policy cannot be shared');
  }
  const p = await assignPolicy(db, { mailbox: mb.id }, policy);
  await db('spam_policies').where({ name: mailboxPolicyName(mb.id) }).delete();
  await bumpGeneration(db);
  return p;
}
