// The directory the MTA reads, kept in memory per process: every answer of sqlDirectory
// (found or not found) is cached until the directory generation moves (lib/core/generation:
// any write through lib bumps it; each process notices within a second) or until it is among
// the least recently used past `maxEntries`.
//
// Quota: mailboxes.used_bytes changes with every delivery and does not bump the generation, so
// it is not taken from the cached row. For a mailbox with a quota, the usage comes from a
// separate per-process view (usageView): a value read recently (within a second near the quota,
// 30 s while far from it: usage.ts says why), plus what this process delivered since (addUsage
// tells it); a mailbox that looks full is read again every time, so a full mailbox is refused on
// fresh data and freed space counts at once. The check at RCPT was never exact (the size of the
// message is not known yet, and deliveries run concurrently on every node).
// Mailboxes without a quota need no usage at all.
import { watchGeneration, GenerationCache, cacheEntries, type Db } from '../core';
import { sqlDirectory, type Directory, type DirMailbox } from './sqlDirectory';
import { usageView, USAGE_TTL_MS, ROOMY_TTL_MS, type CacheOptions } from './usage';
import { usageWriteMark } from './usageWrites';

const key = (...parts: (string | number)[]) => parts.join('\0');

/** sqlDirectory behind per-process caches; same interface, same answers within a second. */
export function cachedDirectory(db: Db, opts: CacheOptions = {}, inner: Directory = sqlDirectory(db)): Directory {
  const watch = watchGeneration(db);
  const max = opts.maxEntries ?? cacheEntries();
  const view = usageView(db, opts);
  const ttl = opts.usageTtlMs ?? USAGE_TTL_MS;
  const roomyTtl = opts.roomyTtlMs ?? (opts.usageTtlMs !== undefined ? opts.usageTtlMs : ROOMY_TTL_MS);
  const usage = { apply: (m: DirMailbox[]) => view.apply(m, ttl, roomyTtl) };
  const local = new GenerationCache<Awaited<ReturnType<NonNullable<Directory['lookupLocal']>>>>(watch, max);
  const entries = new GenerationCache<Awaited<ReturnType<Directory['findEntries']>>>(watch, max);
  const domains = new GenerationCache<Awaited<ReturnType<Directory['findDomain']>>>(watch, max);
  const firsts = new GenerationCache<DirMailbox | null>(watch, max);
  const one = async (m: DirMailbox | null) => (m ? (await usage.apply([m]))[0] : null);
  // a row just read from SQL carries a fresh usage figure: the view takes it rather than
  // reading the same number again (one query less for every first RCPT to a mailbox), unless a
  // usage write of this process landed during the read (usage.ts read())
  const fresh = <T extends { mailboxes: DirMailbox[] }>(mark: number | null) => (found: T): T => {
    for (const m of found.mailboxes) if (m.quota_mb > 0) view.read(m.id, m.used_bytes, mark);
    return found;
  };
  return {
    ...(inner.lookupLocal && {
      async lookupLocal(name: string, addresses: string[]) {
        const found = await local.get(key(name, ...addresses), () => {
          const mark = usageWriteMark(db);
          return inner.lookupLocal!(name, addresses).then(fresh(mark));
        });
        return { ...found, mailboxes: await usage.apply(found.mailboxes) };
      },
    }),
    async findEntries(addresses) {
      const found = await entries.get(key(...addresses), () => {
        const mark = usageWriteMark(db);
        return inner.findEntries(addresses).then(fresh(mark));
      });
      return { ...found, mailboxes: await usage.apply(found.mailboxes) };
    },
    findDomain: (name) => domains.get(name, () => inner.findDomain(name)),
    firstDomain: () => domains.get('\0first', () => (inner.firstDomain ? inner.firstDomain() : Promise.resolve(null))),
    async firstMailbox(domainId) {
      return one(await firsts.get(String(domainId), () => inner.firstMailbox(domainId)));
    },
  };
}
