// The whole after-DATA decision in one call: score the message once, read every target's
// policy and sender lists, give each target its fate, and say whether the message is refused
// (only when every recipient's policy rejects it) and which X-Spam-* headers it gets.
import type { Db } from '../core';
import type { Target } from '../directory';
import { scoreParsed, scoreRaw, parseForScoring, categorize, type ExternalResults, type Verdict, type BayesCache, type SaWorker, type ScoredMessage, type LessonSource } from '../spam';
import { loadListsFor, evaluateLists, recipientCategory, type PolicyLookup, scopeRefFor, senderKey, fromAuthenticated, effectivePolicies, decideFates, everyoneRejects, spamHeaders, type ListCache, type TargetFate } from '../policy';
import { getQuarantineSettings } from '../quarantine';

export interface MessageQuery {
  raw: Buffer;
  /** every final target once (lib/delivery finalTargets), with its key */
  targets: { key: string; target: Target }[];
  /** fates set by earlier steps: a dropped target is not decided again */
  fates: Record<string, TargetFate>;
  mailFrom: string;
  /** the address of the header From, or null */
  headerFrom: string | null;
  /** results of other Haraka plugins (SpamAssassin, rspamd, clamd, SPF, DKIM) */
  external: ExternalResults;
  /** sender-list rows read at RCPT (reused when they cover every scope) */
  lists?: ListCache;
  /** where the policies come from (the per-process cache of lib/policy cachedPolicies); default: the database */
  policies?: PolicyLookup;
  /** the process's Bayes counts in memory (lib/spam sharedBayesCache); default: one query */
  bayes?: BayesCache | null;
  /** the process's rule thread (lib/spam sharedSaWorker); default: the rules run in this thread */
  saWorker?: SaWorker | null;
}

export interface MessageDecision {
  verdict: Verdict;
  /** set when every recipient's policy refuses the message at DATA */
  rejected: 'spam' | 'virus' | null;
  fates: { key: string; fate: TargetFate }[];
  /** one set of headers per message: "Yes" when it is spam for at least one recipient */
  headers: { name: string; value: string }[];
  /** for logs and transaction results */
  summary: { score: number; category: string; tests: string };
  /** the domain whose Bayes scored it (its first local target's), for learning from it */
  domainId?: number;
  /** what learning the message needs (its hash and token ids), computed once and only when asked */
  lesson: () => LessonSource;
}

export async function decideMessage(db: Db, q: MessageQuery): Promise<MessageDecision> {
  const refs = q.targets.map((t) => scopeRefFor(t.target));
  // the header From may match an allow entry only when SPF or DKIM passed for its domain
  const fromTrusted = fromAuthenticated(senderKey(q.headerFrom)?.domain, { spf: q.external.spfPass, dkim: q.external.dkimPass });
  const firstLocal = q.targets.find((t) => t.target.kind === 'local')?.target;
  const domainId = firstLocal?.kind === 'local' ? firstLocal.mailbox.domain_id : undefined;
  const scoring = { domainId, external: q.external, bayesCache: q.bayes };
  const scored = async (): Promise<ScoredMessage> => {
    // with the rule thread, the message is parsed and tokenized there, not in this (SMTP) thread
    if (q.saWorker) return scoreRaw(db, q.raw, { ...scoring, saWorker: q.saWorker });
    const parsed = parseForScoring(q.raw);
    return { verdict: await scoreParsed(db, parsed, scoring), lesson: () => parsed };
  };
  const [{ verdict, lesson }, rows, policies] = await Promise.all([
    scored(),
    loadListsFor(db, refs, q.lists),
    q.policies ? q.policies(refs) : effectivePolicies(db, refs),
  ]);

  const live = q.targets.map((t, i) => ({ t, i })).filter(({ t }) => q.fates[t.key]?.action !== 'drop');
  const decided = await decideFates(
    live.map(({ t, i }) => {
      const { policy, switches } = policies[i];
      // the recipient's switches: spam filter and antivirus off or on, server-wide lists used or not
      const ref = switches.globalLists ? refs[i] : { ...refs[i], globalLists: false };
      return {
        key: t.key,
        input: {
          category: recipientCategory(verdict, policy, switches, categorize),
          policy,
          spamFilter: switches.spamFilter,
          listing: evaluateLists(rows, ref, { envelope: q.mailFrom, headerFrom: q.headerFrom, fromTrusted }),
          external: t.target.kind === 'external',
          size: q.raw.length,
        },
      };
    }),
    async () => (await getQuarantineSettings(db)).maxSizeBytes,
  );
  // the X-Spam-Flag says what the recipients who filter would call it (all of them when none does)
  const filtering = policies.filter((p) => p.switches.spamFilter);
  const thresholds = (filtering.length ? filtering : policies).map((p) => p.policy.threshold);
  const required = thresholds.length ? Math.min(...thresholds) : 5;
  return {
    verdict,
    rejected: everyoneRejects(decided.map((x) => x.d)),
    fates: decided.map(({ key, d }) => ({ key, fate: d.fate })),
    headers: spamHeaders(verdict, required),
    summary: { score: verdict.score, category: verdict.category, tests: verdict.reasons.map((r) => r.rule).join(',') },
    domainId,
    lesson,
  };
}
