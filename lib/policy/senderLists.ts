// Sender lists: allow, block and newsletter patterns at three scopes (global, domain, mailbox).
//
// Patterns (stored in one canonical form `local@domain`, IDNA ASCII, lower case):
//   user@example.com   that address only
//   *@example.com      anyone at example.com itself, never at a subdomain
//   @example.com       same as *@example.com
//   example.com        same as *@example.com
//   *.example.com      anyone at any subdomain of example.com (not example.com itself)
//   `*` anywhere       any run of characters inside the local part or the domain (never across '@')
// Matching is anchored at both ends and case-insensitive, the local part and the domain are
// matched separately, and Unicode domains are compared in their IDNA ASCII form, so
// `example.com` never matches x@notexample.com.evil and `*@bücher.de` matches a@xn--bcher-kva.de.
//
// Precedence (evaluateLists): the most specific scope that has any allow/block entry matching
// the sender decides - mailbox over domain over global - and within that scope allow beats
// block. `newsletter` entries are not part of that contest: a match at any scope marks the
// sender's newsletters as wanted (they only change what happens to newsletters, never spam).
//
// Who counts as the sender: the envelope sender always; the header From counts for `block`
// and `newsletter` always, but for `allow` only when SPF or DKIM passed for the From's domain
// (the caller says so with fromTrusted), so a forged From never bypasses the filter.
import { domainToASCII } from 'node:url';
import { type Db, bumpGeneration, parseHeaderAddress, normalizeDomain, isValidLocalPart, invalid, notFound, conflict, isUniqueViolation } from '../core';
import { getDomain, getMailbox, type Target, type PolicyInputs } from '../directory';

/** RCPT answer when every target of a recipient blocks the envelope sender. */

// warn: not part of the verdict; the owner wants a notice at once when such a sender's mail is held (lib/quarantine warn)
export type ListKind = 'allow' | 'block' | 'newsletter' | 'warn';
export type ListScope = 'global' | 'domain' | 'mailbox';
export const LIST_KINDS: ListKind[] = ['allow', 'block', 'newsletter', 'warn'];
export const LIST_SCOPES: ListScope[] = ['global', 'domain', 'mailbox'];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const WILD_LABEL = /^[a-z0-9*-]{1,63}$/;

// ---------------------------------------------------------------------------------------------
// Patterns

/** The canonical stored form of a pattern; throws invalid('pattern') with a human reason. */
export function normalizePattern(input: string): string {
  const bad = (why: string) => invalid('pattern', `invalid sender pattern "${input}": ${why}`);
  let s = String(input ?? '')
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .normalize('NFC')
    .toLowerCase()
    .replace(/\*+/g, '*');
  if (!s) throw bad('empty');
  if (s.length > 320) throw bad('too long');
  if (/[\s,;<>()[\]\\"\0]/.test(s)) throw bad('spaces, commas and brackets are not allowed');
  if (s === '*') s = '*@*';
  const at = s.lastIndexOf('@');
  let local = at < 0 ? '*' : s.slice(0, at) || '*';
  let domain = at < 0 ? s : s.slice(at + 1);
  if (local.includes('@')) throw bad('more than one @');
  if (local !== '*' && !isValidLocalPart(local.replace(/\*/g, 'x'))) throw bad(`bad local part "${local}"`);
  domain = domain.replace(/\.$/, '');
  if (!domain) throw bad('missing domain (use user@* for any domain)');
  if (domain !== '*') {
    const labels = domain.split('.');
    if (labels.some((l) => !l)) throw bad('empty label in the domain (for subdomains write *.example.com)');
    const ascii = labels.map((label) => {
      if (label.includes('*')) {
        if (!WILD_LABEL.test(label)) throw bad(`wildcards are only supported in ASCII labels ("${label}")`);
        return label;
      }
      const a = domainToASCII(label).toLowerCase();
      if (!a || !LABEL.test(a)) throw bad(`bad domain label "${label}"`);
      return a;
    });
    if (ascii.length < 2 && !domain.includes('*')) throw bad('a domain needs at least two labels (for a whole TLD write *.tld)');
    domain = ascii.join('.');
  }
  local = local.replace(/\*+/g, '*');
  return `${local}@${domain}`;
}

export interface SenderKey {
  local: string;
  domain: string; // IDNA ASCII lower case
}

/** Splits an address into the form patterns are matched against; null when it has no local@domain. */
export function senderKey(address: string | null | undefined): SenderKey | null {
  const s = String(address ?? '')
    .trim()
    .replace(/^<(.*)>$/, '$1');
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  const rawDomain = s.slice(at + 1);
  const domain = normalizeDomain(rawDomain) ?? rawDomain.replace(/\.$/, '').toLowerCase();
  return { local: s.slice(0, at).normalize('NFC').toLowerCase(), domain };
}

const compiled = new Map<string, [RegExp, RegExp]>();

function globRe(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('.*')}$`);
}

function compile(pattern: string): [RegExp, RegExp] {
  let c = compiled.get(pattern);
  if (!c) {
    const at = pattern.lastIndexOf('@');
    c = [globRe(pattern.slice(0, at)), globRe(pattern.slice(at + 1))];
    if (compiled.size > 10000) compiled.clear();
    compiled.set(pattern, c);
  }
  return c;
}

/** True when the canonical `pattern` matches the sender. */
export function patternMatches(pattern: string, sender: SenderKey | string | null | undefined): boolean {
  const key = typeof sender === 'string' || sender == null ? senderKey(sender) : sender;
  if (!key) return false;
  const [local, domain] = compile(pattern);
  return local.test(key.local) && domain.test(key.domain);
}

/** The address inside a From header value (`"Name" <a@b>`, `a@b (Name)`, `a@b`), or null. */
export function headerFromAddress(value: string | null | undefined): string | null {
  return parseHeaderAddress(value).address || null;
}

/**
 * True when SPF or DKIM vouches for the header From's domain: an SPF pass for the envelope
 * domain, or a DKIM pass for a signing domain, that is the From domain itself or a parent of
 * it (whoever controls example.com controls news.example.com; the reverse is not assumed).
 */
export function fromAuthenticated(fromDomain: string | null | undefined, passed: { spf?: string[]; dkim?: string[] }): boolean {
  if (!fromDomain) return false;
  const from = fromDomain.toLowerCase().replace(/\.$/, '');
  const aligned = (d: string) => {
    const x = d.toLowerCase().replace(/\.$/, '');
    return !!x && x.includes('.') && (x === from || from.endsWith(`.${x}`));
  };
  return [...(passed.spf ?? []), ...(passed.dkim ?? [])].some(aligned);
}

// ---------------------------------------------------------------------------------------------
// Evaluation (plain functions on rows already loaded)

/** Whose lists apply to a final target: a mailbox (by id or address), its domain, and global. */
export interface ScopeRef {
  mailboxId?: number;
  mailboxAddress?: string;
  domainId?: number;
  domainName?: string;
  /** false: the mailbox turned the server-wide (global) lists off (lib/policy switches) */
  globalLists?: boolean;
  /** what picks the mailbox's policy, when the directory read it with the mailbox (cachedPolicies) */
  policy?: PolicyInputs;
}

export interface ListRow {
  id: number;
  scope: ListScope;
  kind: ListKind;
  pattern: string;
  domain_id: number | null;
  mailbox_id: number | null;
  mailbox_address: string | null;
  domain_name: string | null;
  comment: string;
}

export interface ListSenders {
  envelope?: string | null;
  headerFrom?: string | null;
  /** SPF or DKIM passed for the header From's domain: only then may it match an allow entry */
  fromTrusted?: boolean;
}

export interface ListDecision {
  decision: 'allow' | 'block' | null;
  scope?: ListScope;
  pattern?: string;
  /** which identity matched the deciding entry */
  matched?: 'envelope' | 'from';
  /** a newsletter entry (any scope) matches the sender */
  newsletter: boolean;
}

function rowApplies(row: ListRow, ref: ScopeRef): boolean {
  switch (row.scope) {
    case 'global':
      return ref.globalLists !== false;
    case 'domain':
      return (ref.domainId != null && row.domain_id === ref.domainId) || (!!ref.domainName && row.domain_name === ref.domainName);
    case 'mailbox':
      return (ref.mailboxId != null && row.mailbox_id === ref.mailboxId) || (!!ref.mailboxAddress && row.mailbox_address === ref.mailboxAddress);
  }
}

const SCOPE_ORDER: ListScope[] = ['mailbox', 'domain', 'global'];

/** Applies the precedence documented at the top of this file. */
export function evaluateLists(rows: ListRow[], ref: ScopeRef, senders: ListSenders): ListDecision {
  const env = senderKey(senders.envelope);
  const from = senderKey(senders.headerFrom);
  const applicable = rows.filter((r) => rowApplies(r, ref));
  const hit = (r: ListRow, fromCounts: boolean): 'envelope' | 'from' | null =>
    env && patternMatches(r.pattern, env) ? 'envelope' : fromCounts && from && patternMatches(r.pattern, from) ? 'from' : null;
  const newsletter = applicable.some((r) => r.kind === 'newsletter' && hit(r, true));
  for (const scope of SCOPE_ORDER) {
    const inScope = applicable.filter((r) => r.scope === scope);
    for (const kind of ['allow', 'block'] as const) {
      for (const r of inScope) {
        if (r.kind !== kind) continue;
        const m = hit(r, kind === 'block' || !!senders.fromTrusted);
        if (m) return { decision: kind, scope, pattern: r.pattern, matched: m, newsletter };
      }
    }
  }
  return { decision: null, newsletter };
}

/** Whose lists and policy apply to a final target (see lib/policies for the policy side). */
export function scopeRefFor(t: Target): ScopeRef {
  if (t.kind === 'local') {
    return {
      mailboxId: t.mailbox.id,
      mailboxAddress: t.mailbox.address,
      domainId: t.mailbox.domain_id,
      ...(t.mailbox.global_lists === false && { globalLists: false }),
      ...(t.mailbox.policy && { policy: t.mailbox.policy }),
    };
  }
  // an external target takes the scope of what pointed at it: the mailbox that redirects,
  // or the alias (its domain); the redirecting mailbox's switch for the server-wide lists is
  // applied after DATA (decideMessage reads it with the policies), at RCPT they count
  const owner = t.via[t.via.length - 1];
  if (!owner) return {};
  const at = owner.lastIndexOf('@');
  return { mailboxAddress: owner, domainName: owner.slice(at + 1) };
}

// ---------------------------------------------------------------------------------------------
// Database

function toRow(r: Record<string, unknown>): ListRow {
  return {
    id: Number(r.id),
    scope: r.scope as ListScope,
    kind: r.kind as ListKind,
    pattern: String(r.pattern),
    domain_id: r.domain_id == null ? null : Number(r.domain_id),
    mailbox_id: r.mailbox_id == null ? null : Number(r.mailbox_id),
    mailbox_address: (r.mailbox_address as string | null) ?? null,
    domain_name: (r.domain_name as string | null) ?? null,
    comment: String(r.comment ?? ''),
  };
}

function baseQuery(db: Db) {
  return db('sender_lists as sl')
    .leftJoin('mailboxes as m', 'm.id', 'sl.mailbox_id')
    .leftJoin('domains as d', 'd.id', 'sl.domain_id')
    .select('sl.id', 'sl.scope', 'sl.kind', 'sl.pattern', 'sl.domain_id', 'sl.mailbox_id', 'sl.comment', 'm.address as mailbox_address', 'd.name as domain_name');
}

/** Entries already read in this transaction, with the scope keys ('g', 'd:<id>', 'm:<id>') they cover. */
export interface ListCache {
  keys: string[];
  rows: ListRow[];
}

function ownerKey(r: ListRow): string {
  if (r.scope === 'global') return 'g';
  return r.scope === 'mailbox' ? `m:${r.mailbox_id}` : `d:${r.domain_id}`;
}

/** The scope keys of these refs ('g' always), and the refs known only by name (external targets). */
function scopeKeys(refs: ScopeRef[]): { keys: Set<string>; addresses: Set<string>; domainNames: Set<string> } {
  const keys = new Set<string>(['g']);
  const addresses = new Set<string>();
  const domainNames = new Set<string>();
  for (const r of refs) {
    if (r.mailboxId != null) keys.add(`m:${r.mailboxId}`);
    if (r.domainId != null) keys.add(`d:${r.domainId}`);
    if (r.mailboxAddress && r.mailboxId == null) addresses.add(r.mailboxAddress);
    if (r.domainName && r.domainId == null) domainNames.add(r.domainName);
  }
  return { keys, addresses, domainNames };
}

function remember(cache: ListCache, keys: Iterable<string>, rows: ListRow[] = []): void {
  for (const k of keys) if (!cache.keys.includes(k)) cache.keys.push(k);
  const have = new Set(cache.rows.map((r) => r.id));
  cache.rows.push(...rows.filter((r) => !have.has(r.id)));
}

/**
 * Every list entry that can apply to these scopes, in one query - or none when `cache` (kept
 * in the transaction's notes) already holds every scope: the RCPT check read them moments ago.
 */
export async function loadListsFor(db: Db, refs: ScopeRef[], cache?: ListCache): Promise<ListRow[]> {
  const { keys, addresses, domainNames } = scopeKeys(refs);
  const byKeyOnly = !addresses.size && !domainNames.size;
  if (cache && byKeyOnly && [...keys].every((k) => cache.keys.includes(k))) return cache.rows.filter((r) => keys.has(ownerKey(r)));
  const q = baseQuery(db).where((w) => {
    w.whereIn('sl.owner_key', [...keys]);
    if (addresses.size) w.orWhereIn('sl.mailbox_id', db('mailboxes').select('id').whereIn('address', [...addresses]));
    if (domainNames.size) w.orWhereIn('sl.domain_id', db('domains').select('id').whereIn('name', [...domainNames]));
  });
  const rows = (await q).map(toRow);
  if (cache && byKeyOnly) remember(cache, keys, rows);
  return rows;
}

/**
 * RCPT-time check of the envelope sender: which of a recipient's final targets block it.
 * One query for all the scopes involved; a target whose most specific matching entry is a
 * block is refused, the others are kept.
 */
export async function envelopeBlocks(db: Db, mailFrom: string, targets: Target[], cache?: ListCache): Promise<{ kept: Target[]; blocked: Target[]; decisions: ListDecision[] }> {
  const none = { kept: targets, blocked: [], decisions: [] };
  if (!targets.length) return none;
  const refs = targets.map(scopeRefFor);
  // resolution counted the entries that can apply to each mailbox: none at all, nothing to read
  // (now or after DATA)
  if (targets.every((t) => t.kind === 'local' && t.mailbox.list_entries === 0)) {
    if (cache) remember(cache, scopeKeys(refs).keys);
    return none;
  }
  if (!senderKey(mailFrom)) return none;
  const rows = await loadListsFor(db, refs, cache);
  const kept: Target[] = [];
  const blocked: Target[] = [];
  const decisions: ListDecision[] = [];
  targets.forEach((t, i) => {
    const d = evaluateLists(rows, refs[i], { envelope: mailFrom });
    if (d.decision === 'block') {
      blocked.push(t);
      decisions.push(d);
    } else kept.push(t);
  });
  return { kept, blocked, decisions };
}

// ---------------------------------------------------------------------------------------------
// CRUD

/** Whose list: none = global, or one domain, or one mailbox. */
export interface ListOwnerInput {
  domain?: string | number;
  mailbox?: string | number;
}

interface Owner {
  scope: ListScope;
  domain_id: number | null;
  mailbox_id: number | null;
  owner_key: string;
  label: string;
}

async function resolveOwner(db: Db, input: ListOwnerInput): Promise<Owner> {
  if (input.domain != null && input.mailbox != null) throw invalid('scope', 'give a domain or a mailbox, not both');
  if (input.mailbox != null) {
    const mb = await getMailbox(db, input.mailbox);
    return { scope: 'mailbox', domain_id: null, mailbox_id: mb.id, owner_key: `m:${mb.id}`, label: mb.address };
  }
  if (input.domain != null) {
    const d = await getDomain(db, input.domain);
    return { scope: 'domain', domain_id: d.id, mailbox_id: null, owner_key: `d:${d.id}`, label: d.name };
  }
  return { scope: 'global', domain_id: null, mailbox_id: null, owner_key: 'g', label: 'global' };
}

export function requireKind(kind: string): ListKind {
  if (!LIST_KINDS.includes(kind as ListKind)) throw invalid('kind', `list kind must be one of ${LIST_KINDS.join(', ')}, got "${kind}"`);
  return kind as ListKind;
}

export interface ListEntryInput extends ListOwnerInput {
  kind: string;
  pattern: string;
  comment?: string;
}

export async function addListEntry(db: Db, input: ListEntryInput): Promise<ListRow> {
  const kind = requireKind(input.kind);
  const pattern = normalizePattern(input.pattern);
  const owner = await resolveOwner(db, input);
  try {
    const [id] = await db('sender_lists').insert({
      scope: owner.scope,
      domain_id: owner.domain_id,
      mailbox_id: owner.mailbox_id,
      owner_key: owner.owner_key,
      kind,
      pattern,
      comment: (input.comment ?? '').replace(/[\r\n\0]+/g, ' ').trim().slice(0, 190),
    });
    await bumpGeneration(db);
    return getListEntry(db, Number(id));
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('pattern', `${pattern} is already on the ${owner.label} ${kind} list`);
    throw err;
  }
}

/** Adds unless already there (release with "always allow this sender"). */
export async function ensureListEntry(db: Db, input: ListEntryInput): Promise<void> {
  try {
    await addListEntry(db, input);
  } catch (err) {
    if ((err as { code?: string }).code !== 'conflict') throw err;
  }
}

export async function getListEntry(db: Db, id: number): Promise<ListRow> {
  const r = await baseQuery(db).where('sl.id', id).first();
  if (!r) throw notFound(`list entry ${id} does not exist`);
  return toRow(r);
}

/** Deletes by id, or by owner + kind + pattern. */
export async function deleteListEntry(db: Db, input: { id: number } | ListEntryInput): Promise<void> {
  let n: number;
  if ('id' in input) n = await db('sender_lists').where({ id: input.id }).delete();
  else {
    const owner = await resolveOwner(db, input);
    const kind = requireKind(input.kind);
    const pattern = normalizePattern(input.pattern);
    n = await db('sender_lists').where({ owner_key: owner.owner_key, kind, pattern }).delete();
    if (!n) throw notFound(`${pattern} is not on the ${owner.label} ${kind} list`);
  }
  if (!n) throw notFound(`list entry ${'id' in input ? input.id : ''} does not exist`);
  await bumpGeneration(db);
}

export interface ListQuery extends ListOwnerInput {
  /** only global entries (when neither domain nor mailbox is given, all entries are listed) */
  global?: boolean;
  kind?: string;
  search?: string;
  limit?: number;
  offset?: number;
}

export async function listEntries(db: Db, opts: ListQuery = {}): Promise<ListRow[]> {
  const q = baseQuery(db).orderBy([{ column: 'sl.scope' }, { column: 'sl.owner_key' }, { column: 'sl.kind' }, { column: 'sl.pattern' }]);
  if (opts.domain != null || opts.mailbox != null || opts.global) {
    const owner = await resolveOwner(db, opts);
    q.where('sl.owner_key', owner.owner_key);
  }
  if (opts.kind) q.where('sl.kind', requireKind(opts.kind));
  if (opts.search) q.where('sl.pattern', 'like', `%${opts.search.toLowerCase()}%`);
  if (opts.limit) q.limit(opts.limit).offset(opts.offset ?? 0);
  return (await q).map(toRow);
}

/** The owner of an entry for humans: global, a domain name or a mailbox address. */
export function ownerLabel(r: ListRow): string {
  return r.scope === 'global' ? 'global' : r.scope === 'domain' ? (r.domain_name ?? `domain #${r.domain_id}`) : (r.mailbox_address ?? `mailbox #${r.mailbox_id}`);
}
