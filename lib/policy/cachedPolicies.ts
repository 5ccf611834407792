// The spam policy of each scope, kept in memory per process like the directory
// (lib/directory/cachedDirectory): answers stay until the generation moves (every write to
// policies, their assignment to domains and mailboxes, and mailboxes themselves bumps it) or
// until they are among the least recently used past `maxEntries`.
// Sender lists need no such cache on the common path: the directory counts the entries that can
// apply to each mailbox (cached with it), so nothing is read when there are none, and the rows
// read at RCPT serve the after-DATA check of the same transaction.
import { watchGeneration, GenerationCache, type Db } from '../core';
import { effectivePolicies, type EffectivePolicy } from './policies';
import type { ScopeRef } from './senderLists';

export type PolicyLookup = (refs: ScopeRef[]) => Promise<EffectivePolicy[]>;

const refKey = (r: ScopeRef) => [r.mailboxId ?? '', r.mailboxAddress ?? '', r.domainId ?? '', r.domainName ?? ''].join('|');

/** effectivePolicies(db, refs) answered from memory when the same scopes were asked before. */
export function cachedPolicies(db: Db, opts: { maxEntries?: number } = {}): PolicyLookup {
  const cache = new GenerationCache<EffectivePolicy[]>(watchGeneration(db), opts.maxEntries ?? 50_000);
  return (refs) => cache.get(refs.map(refKey).join('\0'), () => effectivePolicies(db, refs));
}
