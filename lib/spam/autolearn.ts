// Auto-learning, as SpamAssassin's AutoLearnThreshold does it: a message the rules alone score
// far above the threshold is learned as spam, one they score far below as ham, into its
// domain's Bayes scope (global when it has no domain). Bayes points never decide it (the
// rules' points without Bayes are used, see Verdict.autolearnScore), nor do rules marked
// noautolearn/userconf (GTUBE, list entries). A message already learned in that scope or
// globally -- by a user or by an earlier auto-learn -- is left alone: a user's training always
// wins and nothing is counted twice.
import type { Db } from '../core';
import { parseForScoring, messageHash, type ParsedMessage } from './parse';
import { learnMany, scopeKey, type BayesClass } from './bayes';
import { loadRules, type RuleSet } from './rules';
import type { Verdict } from './score';

export interface AutolearnSettings {
  enabled: boolean;
  /** rules-only points at or above which a message is learned as spam (SpamAssassin: 12) */
  spam: number;
  /** rules-only points below which a message is learned as ham (SpamAssassin: 0.1) */
  ham: number;
}

export const DEFAULT_AUTOLEARN: AutolearnSettings = { enabled: true, spam: 12, ham: 0.1 };

export function autolearnSettings(set: RuleSet = loadRules()): AutolearnSettings {
  return { ...DEFAULT_AUTOLEARN, ...Object.fromEntries(Object.entries(set.autolearn).filter(([, v]) => v !== undefined)) };
}

/** What a verdict would be auto-learned as (null: not learned), and why. */
export function autolearnDecision(v: Verdict, s: AutolearnSettings = autolearnSettings()): { cls: BayesClass | null; reason: string } {
  if (!s.enabled) return { cls: null, reason: 'auto-learning is off' };
  if (v.category === 'virus') return { cls: null, reason: 'virus' };
  if (v.limits?.length) return { cls: null, reason: `only partly checked (${v.limits.join(',')})` };
  if (v.reasons.some((r) => r.rule === 'GTUBE')) return { cls: null, reason: 'GTUBE test message' };
  if (v.autolearnScore >= s.spam) return { cls: 'spam', reason: `rules scored ${v.autolearnScore} >= ${s.spam}` };
  if (v.autolearnScore < s.ham) return { cls: 'ham', reason: `rules scored ${v.autolearnScore} < ${s.ham}` };
  return { cls: null, reason: `rules scored ${v.autolearnScore}, between ${s.ham} and ${s.spam}` };
}

export interface AutolearnOutcome {
  learned: BayesClass | null;
  reason: string;
}

/**
 * Learns a scored message automatically when its verdict says so, in the domain's scope
 * (global without a domain), unless it is already learned there or globally.
 */
export async function autolearn(
  db: Db,
  raw: Buffer,
  v: Verdict,
  opts: { domainId?: number | null; settings?: AutolearnSettings; /** `raw` as parsed for scoring (spares parsing it again) */ parsed?: ParsedMessage } = {},
): Promise<AutolearnOutcome> {
  const d = autolearnDecision(v, opts.settings);
  if (!d.cls) return { learned: null, reason: d.reason };
  const scope = opts.domainId ? opts.domainId : 'global';
  const parsed = opts.parsed ?? parseForScoring(raw);
  const hash = messageHash(parsed);
  const known = await db('bayes_learned').whereIn('scope', [...new Set(['global', scopeKey(scope)])]).andWhere('msg_hash', hash).first('scope', 'class');
  if (known) return { learned: null, reason: `already learned as ${known.class} (${known.scope})` };
  const [out] = await learnMany(db, [{ raw, cls: d.cls, parsed }], { scope });
  return out.changed ? { learned: d.cls, reason: d.reason } : { learned: null, reason: 'already learned' };
}
