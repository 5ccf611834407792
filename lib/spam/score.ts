// scoreMessage: parse (bounded) -> data-file rules -> Bayes (memory, or one query) -> other plugins'
// results -> a score, the reasons and a default category. The category uses a default
// threshold; the policy layer re-categorizes per recipient with categorize().
// scoreRaw: the same verdict, with the parse, both rule sets and the tokens in the rule thread.
import type { Db } from '../core';
import { parseForScoring, type ParseLimits, type ParsedMessage } from './parse';
import { loadRules, runRules, type RuleSet, type RuleHit } from './rules';
import { classifyTokens, scopesFor, tokenIds, type BayesResult } from './bayes';
import type { BayesCache } from './bayesCache';
import { loadSaRules, runSa, type SaRuleSet, type SaHit, type BayesBand } from './saengine';
import { inBand } from './saevals';
import { aligned, type ExternalResults } from './external';
import type { SaWorker, SaThreadResult } from './saWorker';
import type { LessonSource } from './bayesLearn';

export type Category = 'ham' | 'newsletter' | 'spam' | 'virus';

export interface Reason {
  rule: string;
  points: number;
  detail?: string;
}

export interface Verdict {
  score: number;
  category: Category;
  reasons: Reason[];
  newsletter: boolean;
  /** Bayes spam probability (absent when Bayes was not consulted) */
  bayes?: number;
  /** external virus names when a scanner reported one */
  viruses?: string[];
  /** parse limits reached (the message was only partly read), or 'rules-time' */
  limits?: string[];
  /** the points auto-learning looks at: rules only, without Bayes, external results or noautolearn rules */
  autolearnScore: number;
}

export const DEFAULT_THRESHOLD = 5;

/** virus > spam (score >= threshold) > newsletter > ham. */
export function categorize(score: number, newsletter: boolean, virus: boolean, threshold = DEFAULT_THRESHOLD): Category {
  if (virus) return 'virus';
  if (score >= threshold) return 'spam';
  if (newsletter) return 'newsletter';
  return 'ham';
}

export interface ScoreOptions {
  domainId?: number | null;
  external?: ExternalResults;
  /** threshold of the default category (default 5) */
  threshold?: number;
  /** skip the Bayes lookup (rules and external results only) */
  bayes?: boolean;
  /** the process's token counts in memory (sharedBayesCache); default: one SQL query */
  bayesCache?: BayesCache | null;
  rules?: RuleSet;
  /** SpamAssassin-syntax rules (default: the system's and lib/spam/rules/local.cf); false: none */
  sa?: SaRuleSet | false;
  /** run the SpamAssassin-syntax rules (the default set) in the rule thread instead (saWorker.ts); `sa` is then ignored */
  saWorker?: SaWorker | null;
  limits?: Partial<ParseLimits>;
}

function bandName(min: number): string {
  const pct = Math.round(min * 1000) / 10; // 0.999 -> 99.9
  return `BAYES_${Number.isInteger(pct) ? String(pct).padStart(2, '0') : String(pct).replace('.', '')}`;
}

/** Points for a Bayes probability from the rules file's bands (none when untrained). */
export function bayesPoints(b: BayesResult, set: RuleSet): Reason | undefined {
  if (!b.trained || b.clues === 0) return undefined;
  const p = b.probability;
  for (const band of set.bayes.bands) {
    if (p >= band.min && p < band.max) return band.points ? { rule: bandName(band.min), points: band.points, detail: p.toFixed(4) } : undefined;
  }
  return undefined;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Reasons contributed by other plugins' results (the merge rule is documented in external.ts). */
export function externalReasons(ext: ExternalResults | undefined, msg: Pick<ParsedMessage, 'from'>, set: RuleSet): Reason[] {
  if (!ext) return [];
  const out: Reason[] = [];
  const w = set.external;
  if (ext.virus?.infected) out.push({ rule: 'CLAMD_VIRUS', points: 0, detail: ext.virus.names.join(', ') });
  if (ext.spamassassin && w.spamassassin) {
    const pts = clamp(ext.spamassassin.score * w.spamassassin.weight, w.spamassassin.min, w.spamassassin.max);
    if (pts) out.push({ rule: 'EXT_SPAMASSASSIN', points: round(pts), detail: `score=${ext.spamassassin.score}${ext.spamassassin.tests?.length ? ` tests=${ext.spamassassin.tests.slice(0, 20).join(',')}` : ''}` });
  }
  if (ext.rspamd && w.rspamd) {
    const pts = clamp(ext.rspamd.score * w.rspamd.weight, w.rspamd.min, w.rspamd.max);
    if (pts) out.push({ rule: 'EXT_RSPAMD', points: round(pts), detail: `score=${ext.rspamd.score}${ext.rspamd.action ? ` action=${ext.rspamd.action}` : ''}` });
  }
  if (ext.spf && w.spf) {
    const pts = w.spf[ext.spf.result];
    if (pts) out.push({ rule: `SPF_${ext.spf.result.toUpperCase()}`, points: pts, detail: ext.spf.domain });
  }
  if (w.dkim && msg.from.domain) {
    const signer = ext.dkimPass?.find((d) => aligned(msg.from.domain, d));
    if (signer && w.dkim.fromPass) out.push({ rule: 'DKIM_VALID_FROM', points: w.dkim.fromPass, detail: signer });
    else if (ext.dkimFail?.length && w.dkim.fail) out.push({ rule: 'DKIM_INVALID', points: w.dkim.fail, detail: ext.dkimFail.join(', ') });
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

const ownNames = new WeakMap<RuleSet, Set<string>>();

/** Names of the data-file rules: a SpamAssassin rule of the same name gives way to ours. */
function namesOf(set: RuleSet): Set<string> {
  let n = ownNames.get(set);
  if (!n) ownNames.set(set, (n = new Set(set.rules.map((r) => r.def.name))));
  return n;
}

/** What a verdict is made of, however it was computed (here, or partly in the rule thread). */
interface VerdictParts {
  data: { hits: RuleHit[]; newsletter: boolean; newsletterHits: string[] };
  bayes?: BayesResult;
  /** the SpamAssassin-syntax pass, its points already in the right score set */
  sa?: SaThreadResult;
  limits: string[];
  from: Pick<ParsedMessage, 'from'>;
}

/** Scores an already parsed message (lets callers parse once for several uses). */
export async function scoreParsed(db: Db | null, msg: ParsedMessage, opts: ScoreOptions = {}): Promise<Verdict> {
  const set = opts.rules ?? loadRules();
  const sa = opts.sa === false || opts.saWorker ? undefined : (opts.sa ?? loadSaRules());
  return scoreHere(db, msg, opts, set, async (saBayes) =>
    opts.saWorker
      ? opts.saWorker.run({ raw: msg.src.raw, bayes: saBayes, exclude: namesOf(set) })
      : sa && { ...runSa(msg, sa, { bayes: saBayes, exclude: namesOf(set) }), bayesRules: sa.bayesRules },
  );
}

/** A parsed message scored in this thread; `pass` gives the SpamAssassin-syntax result for the Bayes probability (when it counts). */
async function scoreHere(db: Db | null, msg: ParsedMessage, opts: ScoreOptions, set: RuleSet, pass: (saBayes: number | undefined) => Promise<SaThreadResult | undefined>): Promise<Verdict> {
  const data = runRules(msg, set);
  const bayes = db && opts.bayes !== false ? await classifyIds(db, tokenIds(msg), opts, set) : undefined;
  const sa = await pass(bayesCounts(bayes) ? bayes!.probability : undefined);
  return assemble({ data, bayes, sa, limits: msg.limits, from: msg }, set, opts);
}

/** A message scored, and what learning it needs (computed only if asked, on the SMTP thread). */
export interface ScoredMessage {
  verdict: Verdict;
  lesson: () => LessonSource;
}

/**
 * Scores a raw message with the rule thread doing everything that does not need this
 * process's Bayes counts: it parses the message once, runs both rule sets and returns the
 * token ids; here the ids are classified and the Bayes bands scored. Same verdict as
 * scoreParsed. A thread that gives up leaves the message to this thread, rules counted as not run.
 */
export async function scoreRaw(db: Db | null, raw: Buffer, opts: ScoreOptions & { saWorker: SaWorker }): Promise<ScoredMessage> {
  const set = opts.rules ?? loadRules();
  if (opts.rules || opts.limits) {
    // not the thread's default rules or limits: as before, parsed here
    const msg = parseForScoring(raw, opts.limits);
    return { verdict: await scoreParsed(db, msg, opts), lesson: () => msg };
  }
  const t = await opts.saWorker.whole(raw, namesOf(set));
  if ('gaveUp' in t) {
    // the thread was stopped on this message: everything else here, the rules counted as not run
    const msg = parseForScoring(raw);
    return { verdict: await scoreHere(db, msg, opts, set, async () => t.gaveUp), lesson: () => msg };
  }
  const bayes = db && opts.bayes !== false ? await classifyIds(db, t.ids, opts, set) : undefined;
  const saBayes = bayesCounts(bayes) ? bayes!.probability : undefined;
  // the bands could not be scored apart (a meta rule reads one): the pass runs again, with Bayes
  const sa = t.sa ? scoreBands(t.sa, t.bands ?? [], saBayes, namesOf(set)) : await opts.saWorker.run({ raw, bayes: saBayes, exclude: namesOf(set) });
  const verdict = assemble({ data: t.data, bayes, sa, limits: t.limits, from: t }, set, opts);
  return { verdict, lesson: () => ({ hash: t.hash, ids: t.ids }) };
}

function bayesCounts(b: BayesResult | undefined): boolean {
  return !!b?.trained && b.clues > 0;
}

function classifyIds(db: Db, ids: string[], opts: ScoreOptions, set: RuleSet): Promise<BayesResult> {
  const scopes = scopesFor(opts.domainId);
  return opts.bayesCache ? opts.bayesCache.classify(ids, scopes, set.bayes) : classifyTokens(db, ids, scopes, set.bayes);
}

/**
 * A pass run without Bayes (both score sets kept), with the Bayes bands scored as the pass would
 * have (also when the pass ran out of time: the probability does not depend on the rules).
 */
export function scoreBands(r: SaThreadResult, bands: BayesBand[], bayes: number | undefined, exclude?: ReadonlySet<string>): SaThreadResult {
  const withBayes = bayes !== undefined;
  const hits: SaHit[] = [];
  let autolearnScore = r.autolearnScore;
  for (const h of r.hits) {
    const points = withBayes ? (h.points2 ?? h.points) : h.points;
    if (points) hits.push({ rule: h.rule, points });
  }
  if (withBayes) {
    for (const b of bands) {
      if (!inBand(b, bayes) || exclude?.has(b.rule)) continue;
      if (b.autolearn) autolearnScore += b.score0;
      if (b.score2) hits.push({ rule: b.rule, points: b.score2 });
    }
  }
  return { ...r, hits, score: hits.reduce((t, h) => t + h.points, 0), autolearnScore };
}

function assemble(p: VerdictParts, set: RuleSet, opts: ScoreOptions): Verdict {
  const reasons: Reason[] = [...p.data.hits];
  let autolearnScore = p.data.hits.reduce((t, h) => t + h.points, 0);
  const limits = [...p.limits];
  const r = p.sa;
  if (r) {
    for (const h of r.hits) reasons.push({ rule: h.rule, points: h.points });
    autolearnScore += r.autolearnScore;
    if (r.budgetExceeded) limits.push('rules-time');
  }
  // Bayes points: SpamAssassin's BAYES_* rules when loaded (run above), else our bands
  if (p.bayes && !(r && r.bayesRules)) {
    const band = bayesPoints(p.bayes, set);
    if (band) reasons.push(band);
  }
  reasons.push(...externalReasons(opts.external, p.from, set));
  if (p.data.newsletter) reasons.push({ rule: 'NEWSLETTER', points: 0, detail: p.data.newsletterHits.join(',') });
  const score = round(reasons.reduce((s, r) => s + r.points, 0));
  const virus = !!opts.external?.virus?.infected;
  const verdict: Verdict = {
    score,
    category: categorize(score, p.data.newsletter, virus, opts.threshold ?? DEFAULT_THRESHOLD),
    reasons,
    newsletter: p.data.newsletter,
    autolearnScore: round(autolearnScore),
  };
  if (p.bayes?.trained) verdict.bayes = round4(p.bayes.probability);
  if (virus) verdict.viruses = opts.external!.virus!.names;
  if (limits.length) verdict.limits = limits;
  return verdict;
}

function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}

/** Scores a raw RFC 822 message for a domain (or globally). */
export async function scoreMessage(db: Db | null, raw: Buffer, opts: ScoreOptions = {}): Promise<Verdict> {
  return scoreParsed(db, parseForScoring(raw, opts.limits), opts);
}
