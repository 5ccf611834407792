// Recipient resolution, the heart of the MTA side:
// address -> IDNA/lower case -> domain alias -> exact mailbox or alias -> user+tag -> catch-all -> unknown.
// Aliases and redirects expand recursively to final targets with de-duplication, a depth
// limit and cycle detection (a cycle delivers once to the mailboxes it reaches, never loops).
import { parseAddress, tryParseAddress, splitSubaddress, AddressError, type Address, type RejectReason } from '../core';
import type { Directory, DirDomain, DirMailbox, DirAlias } from './sqlDirectory';
import { isOverQuota } from './usage';

export type { RejectReason };

export type Target =
  | { kind: 'local'; mailbox: DirMailbox; tag?: string; via: string[] }
  | { kind: 'external'; address: string; via: string[] };

export interface Skip { address: string; reason: RejectReason }

export type Resolution =
  // address: as the client gave it, normalised; recipient: after the domain alias
  | { status: 'local'; address: string; recipient: string; targets: Target[]; skipped: Skip[] }
  | { status: 'remote'; recipient: string }
  | { status: 'reject'; reason: RejectReason; message: string };

export interface ResolveOptions {
  maxDepth?: number;
  /** where postmaster@ goes when its alias has no targets (else the domain's first mailbox) */
  postmaster?: string;
  /** reverses an SRS local part we issued to the original address, or null when it is not valid */
  srsReverse?: (local: string) => string | null;
  /**
   * The bytes really stored in a mailbox that the counter says is full (its Maildir counted
   * again, and the counter corrected): mail deleted by a client frees room at once. Without
   * it, the counter is trusted.
   */
  recount?: (mailbox: DirMailbox) => Promise<number>;
}

type Entry =
  | { type: 'mailbox'; mailbox: DirMailbox; tag?: string }
  | { type: 'alias'; alias: DirAlias; domain: DirDomain; tag?: string }
  | { type: 'srs'; original: string };

type Lookup =
  | { hosted: false }
  | { hosted: true; domain: DirDomain; canonical: string; entry: Entry | null };

class Resolver {
  private domains = new Map<string, DirDomain | null>();
  readonly targets = new Map<string, Target>();
  readonly skipped: Skip[] = [];
  private maxDepth: number;

  constructor(private dir: Directory, private opts: ResolveOptions) {
    this.maxDepth = opts.maxDepth ?? 10;
  }

  private async domain(name: string): Promise<DirDomain | null> {
    if (!this.domains.has(name)) this.domains.set(name, await this.dir.findDomain(name));
    return this.domains.get(name)!;
  }

  /** The addresses that can answer for `local` at `domain`: exact, catch-all, then base of user+tag. */
  private static candidates(local: string, domain: string): string[] {
    const sub = splitSubaddress(local);
    const wanted = [`${local}@${domain}`, `*@${domain}`];
    if (sub) wanted.push(`${sub.base}@${domain}`);
    return wanted;
  }

  async lookup(addr: Address): Promise<Lookup> {
    let domain: DirDomain | null;
    let prefetched: { mailboxes: DirMailbox[]; aliases: DirAlias[] } | undefined;
    if (!this.domains.has(addr.domain) && this.dir.lookupLocal) {
      // usual case in one round trip: the domain and the entries, guessing it is no domain alias
      const found = await this.dir.lookupLocal(addr.domain, Resolver.candidates(addr.local, addr.domain));
      domain = found.domain;
      this.domains.set(addr.domain, domain);
      if (domain?.name === addr.domain) prefetched = found;
    } else {
      domain = await this.domain(addr.domain);
    }
    if (!domain) return { hosted: false };
    const canonical = `${addr.local}@${domain.name}`;
    if (/^srs[01]=/.test(addr.local) && this.opts.srsReverse) {
      const original = this.opts.srsReverse(addr.local);
      return { hosted: true, domain, canonical, entry: original ? { type: 'srs', original } : null };
    }
    const sub = splitSubaddress(addr.local);
    const base = sub ? `${sub.base}@${domain.name}` : null;
    const catchAll = `*@${domain.name}`;
    const { mailboxes, aliases } = prefetched ?? (await this.dir.findEntries(Resolver.candidates(addr.local, domain.name)));
    const mb = (a: string) => mailboxes.find((m) => m.address === a);
    const al = (a: string) => aliases.find((x) => x.address === a);
    let entry: Entry | null = null;
    if (mb(canonical)) entry = { type: 'mailbox', mailbox: mb(canonical)! };
    else if (al(canonical)) entry = { type: 'alias', alias: al(canonical)!, domain };
    else if (base && mb(base)) entry = { type: 'mailbox', mailbox: mb(base)!, tag: sub!.tag };
    else if (base && al(base)) entry = { type: 'alias', alias: al(base)!, domain, tag: sub!.tag };
    else if (al(catchAll)?.active) entry = { type: 'alias', alias: al(catchAll)!, domain }; // a disabled catch-all is no catch-all
    return { hosted: true, domain, canonical, entry };
  }

  private skip(address: string, reason: RejectReason): void {
    this.skipped.push({ address, reason });
  }

  private full = new Map<number, Promise<boolean>>();

  /** Over quota by the counter, and still so once recounted (once per mailbox and resolution). */
  isFull(mailbox: DirMailbox): Promise<boolean> {
    if (!isOverQuota(mailbox)) return Promise.resolve(false);
    const recount = this.opts.recount;
    if (!recount) return Promise.resolve(true);
    let known = this.full.get(mailbox.id);
    if (!known) this.full.set(mailbox.id, (known = recount(mailbox).then((bytes) => isOverQuota({ ...mailbox, used_bytes: bytes }))));
    return known;
  }

  private async addLocal(mailbox: DirMailbox, via: string[], tag?: string): Promise<void> {
    if (await this.isFull(mailbox)) return this.skip(mailbox.address, 'over_quota');
    const key = `L:${mailbox.id}`;
    if (!this.targets.has(key)) this.targets.set(key, { kind: 'local', mailbox, tag, via });
  }

  private addExternal(address: string, via: string[]): void {
    const key = `E:${address}`;
    if (!this.targets.has(key)) this.targets.set(key, { kind: 'external', address, via });
  }

  async expandEntry(entry: Entry, depth: number, path: string[]): Promise<void> {
    if (entry.type === 'srs') return this.addExternal(entry.original, path);
    if (entry.type === 'mailbox') {
      const mb = entry.mailbox;
      if (!mb.active) return this.skip(mb.address, 'disabled');
      if (!mb.redirect_to.length) return this.addLocal(mb, path, entry.tag);
      const through = withHop(path, mb.address);
      for (const t of mb.redirect_to) await this.expandAddress(t, depth + 1, through);
      if (mb.keep_copy) await this.addLocal(mb, path, entry.tag);
      return;
    }
    const alias = entry.alias;
    if (!alias.active) return this.skip(alias.address, 'disabled');
    const through = withHop(path, alias.address);
    if (alias.kind === 'postmaster' && !alias.targets.length) return this.expandDefaultPostmaster(alias.address, entry.domain, depth, through);
    for (const t of alias.targets) await this.expandAddress(t, depth + 1, through);
  }

  /** postmaster@ or abuse@ (RFC 2142) without targets of their own. */
  private async expandDefaultPostmaster(address: string, domain: DirDomain, depth: number, path: string[]): Promise<void> {
    const configured = this.opts.postmaster && tryParseAddress(this.opts.postmaster);
    if (configured && !path.includes(configured.address)) return this.expandAddress(configured.address, depth + 1, path);
    const first = await this.dir.firstMailbox(domain.id);
    if (first) return this.expandEntry({ type: 'mailbox', mailbox: first }, depth + 1, path);
    this.skip(address, 'unknown');
  }

  async expandAddress(raw: string, depth: number, path: string[]): Promise<void> {
    const addr = tryParseAddress(raw);
    if (!addr) return this.skip(raw, 'unknown');
    if (depth > this.maxDepth || path.includes(addr.address)) return this.skip(addr.address, 'loop');
    const found = await this.lookup(addr);
    if (!found.hosted) return this.addExternal(addr.address, path);
    if (path.includes(found.canonical)) return this.skip(found.canonical, 'loop');
    if (!found.domain.active) return this.skip(addr.address, 'disabled');
    if (!found.entry) return this.skip(addr.address, 'unknown');
    await this.expandEntry(found.entry, depth, [...path, found.canonical]);
  }
}

/** The path through `hop` (entries found by their own address already end the path with it). */
function withHop(path: string[], hop: string): string[] {
  return path[path.length - 1] === hop ? path : [...path, hop];
}

const MESSAGES: Record<RejectReason, string> = {
  malformed: 'bad recipient address syntax',
  unknown: 'no such user here',
  disabled: 'mailbox disabled, not accepting messages',
  over_quota: 'mailbox full, try again later',
  loop: 'routing loop detected',
};

// When nothing deliverable remains, the most useful reason for the sender: a full mailbox is
// temporary (they should retry), a loop or a disabled box is permanent.
const SKIP_PRIORITY: RejectReason[] = ['over_quota', 'loop', 'disabled', 'unknown'];

function reject(reason: RejectReason, detail?: string): Resolution {
  return { status: 'reject', reason, message: detail ? `${MESSAGES[reason]}: ${detail}` : MESSAGES[reason] };
}

/** `RCPT TO:<postmaster>` without a domain must be accepted (RFC 5321 4.5.1). */
async function resolveBarePostmaster(dir: Directory, opts: ResolveOptions): Promise<Resolution> {
  if (opts.postmaster) {
    const r = new Resolver(dir, opts);
    await r.expandAddress(opts.postmaster, 1, ['postmaster']);
    const targets = [...r.targets.values()];
    if (targets.length) return { status: 'local', address: 'postmaster', recipient: 'postmaster', targets, skipped: r.skipped };
  }
  const first = dir.firstDomain ? await dir.firstDomain() : null;
  if (!first) return reject('unknown');
  const res = await resolveRecipient(dir, `postmaster@${first.name}`, opts);
  return res.status === 'local' ? { ...res, address: 'postmaster' } : res;
}

export async function resolveRecipient(dir: Directory, input: string, opts: ResolveOptions = {}): Promise<Resolution> {
  if (/^\s*<?postmaster>?\s*$/i.test(input)) return resolveBarePostmaster(dir, opts);
  let addr: Address;
  try {
    // SRS addresses we issued may exceed the usual 64-character local part
    addr = parseAddress(input, /^\s*<?srs0=/i.test(input) ? { maxLocal: 255 } : undefined);
  } catch (err) {
    if (err instanceof AddressError) return reject('malformed', err.message);
    throw err;
  }
  const r = new Resolver(dir, opts);
  const found = await r.lookup(addr);
  if (!found.hosted) return { status: 'remote', recipient: addr.address };
  if (!found.domain.active) return reject('disabled');
  if (!found.entry) return reject('unknown');
  const entry = found.entry;
  if (entry.type === 'mailbox') {
    if (!entry.mailbox.active) return reject('disabled');
    const keepsLocal = !entry.mailbox.redirect_to.length || entry.mailbox.keep_copy;
    if (keepsLocal && (await r.isFull(entry.mailbox))) return reject('over_quota');
  }
  if (entry.type === 'alias' && !entry.alias.active) return reject('disabled');
  await r.expandEntry(entry, 0, [found.canonical]);
  const targets = [...r.targets.values()];
  if (!targets.length) {
    const reason = SKIP_PRIORITY.find((p) => r.skipped.some((s) => s.reason === p)) ?? 'unknown';
    return reject(reason);
  }
  return { status: 'local', address: addr.address, recipient: found.canonical, targets, skipped: r.skipped };
}
