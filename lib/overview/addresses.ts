// Every address whose mail reaches a mailbox: the mailbox itself, the aliases and forwards that
// name it as a target (also through other aliases, as resolution follows them), the catch-all
// of a domain that sends to it, and the same local parts at the domain aliases of each domain.
import type { Db } from '../core';

export type ReachKind = 'mailbox' | 'alias' | 'forward' | 'catchall' | 'postmaster' | 'domain_alias';

export interface ReachingAddress {
  address: string; // ASCII form, as stored
  kind: ReachKind;
  /** the address it goes through (an alias of an alias, or the address a domain alias mirrors) */
  via?: string;
  /** a forward or alias that also sends elsewhere */
  shared: boolean;
  active: boolean;
}

/** Resolution's own depth limit: an alias chain longer than this never delivers. */
const MAX_DEPTH = 10;

const domainOf = (a: string) => a.slice(a.lastIndexOf('@') + 1);
const localOf = (a: string) => a.slice(0, a.lastIndexOf('@'));

export async function addressesReaching(db: Db, mailboxAddress: string): Promise<ReachingAddress[]> {
  const out: ReachingAddress[] = [{ address: mailboxAddress, kind: 'mailbox', shared: false, active: true }];
  const known = new Set([mailboxAddress]);
  let frontier = [mailboxAddress];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const rows = await db('alias_targets as t')
      .join('aliases as a', 'a.id', 't.alias_id')
      .whereIn('t.target', frontier)
      .select('a.id', 'a.address', 'a.kind', 'a.active', 't.target');
    const next: string[] = [];
    const ids = [...new Set(rows.map((r) => Number(r.id)))];
    const counts = ids.length ? await db('alias_targets').whereIn('alias_id', ids).groupBy('alias_id').select('alias_id').count({ n: '*' }) : [];
    const targetsOf = new Map((counts as Record<string, unknown>[]).map((c) => [Number(c.alias_id), Number(c.n)]));
    for (const r of rows) {
      const address = String(r.address);
      if (known.has(address)) continue;
      known.add(address);
      const via = String(r.target) === mailboxAddress ? undefined : String(r.target);
      out.push({ address, kind: r.kind as ReachKind, via, shared: (targetsOf.get(Number(r.id)) ?? 1) > 1, active: !!Number(r.active) });
      if (!address.startsWith('*@')) next.push(address);
    }
    frontier = next;
  }
  // the same addresses at each domain alias of their domain
  const domains = [...new Set(out.map((a) => domainOf(a.address)))];
  const mirrors = await db('domain_aliases as da').join('domains as d', 'd.id', 'da.domain_id').whereIn('d.name', domains).select('da.name as alias', 'd.name as domain', 'da.active');
  for (const a of [...out]) {
    for (const m of mirrors.filter((x) => x.domain === domainOf(a.address))) {
      const address = `${localOf(a.address)}@${m.alias}`;
      if (known.has(address)) continue;
      known.add(address);
      out.push({ address, kind: a.kind === 'catchall' ? 'catchall' : 'domain_alias', via: a.address, shared: a.shared, active: a.active && !!Number(m.active) });
    }
  }
  return out;
}
