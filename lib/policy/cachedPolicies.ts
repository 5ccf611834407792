// The spam policy of each scope, kept in memory per process like the directory
// (lib/directory/cachedDirectory): answers stay until the generation moves (every write to
// policies, their assignment to domains and mailboxes, and mailboxes themselves bumps it) or
// until they are among the least recently used past `maxEntries`.
// When every recipient is a mailbox the directory read at RCPT, its policy inputs came with it
// (lib/directory PolicyInputs): only the policy rows are needed, and there are few of them, so
// a mailbox seen for the first time costs no query (with random recipients, as on a large
// system, nearly every message would otherwise ask). Forwards and other scopes ask once per
// set of scopes.
// Sender lists need no such cache on the common path: the directory counts the entries that can
// apply to each mailbox (cached with it), so nothing is read when there are none, and the rows
// read at RCPT serve the after-DATA check of the same transaction.
import { watchGeneration, GenerationCache, cacheEntries, type Db } from '../core';
import { effectivePolicies, effectivePolicyOf, findPolicy, BUILTIN_DEFAULT_POLICY, DEFAULT_POLICY_NAME, type EffectivePolicy, type Policy } from './policies';
import type { ScopeRef } from './senderLists';

export type PolicyLookup = (refs: ScopeRef[]) => Promise<EffectivePolicy[]>;

const refKey = (r: ScopeRef) => [r.mailboxId ?? '', r.mailboxAddress ?? '', r.domainId ?? '', r.domainName ?? ''].join('|');
const DEFAULT_KEY = '\0default';

/** effectivePolicies(db, refs) answered from memory when the same scopes, or the same policies, were asked before. */
export function cachedPolicies(db: Db, opts: { maxEntries?: number } = {}): PolicyLookup {
  const watch = watchGeneration(db);
  const max = opts.maxEntries ?? cacheEntries();
  const cache = new GenerationCache<EffectivePolicy[]>(watch, max);
  const rows = new GenerationCache<Policy | null>(watch, max);
  const byId = (id: number) => rows.get(String(id), () => findPolicy(db, id));
  const fallback = async () => (await rows.get(DEFAULT_KEY, async () => (await findPolicy(db, DEFAULT_POLICY_NAME)) ?? BUILTIN_DEFAULT_POLICY))!;
  return async (refs) => {
    if (!refs.length || !refs.every((r) => r.policy)) return cache.get(refs.map(refKey).join('\0'), () => effectivePolicies(db, refs));
    const ids = new Set<number>();
    for (const r of refs) for (const id of [r.policy!.mailboxPolicyId, r.policy!.domainPolicyId]) if (id != null) ids.add(id);
    const policies = new Map<number, Policy>();
    for (const id of ids) {
      const p = await byId(id);
      if (p) policies.set(id, p);
    }
    const dflt = await fallback();
    return refs.map((r) => effectivePolicyOf(r.policy!, policies, dflt));
  };
}
