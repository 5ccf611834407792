// Our own Bayes classifier: token counts in SQL per scope, Robinson's token probabilities
// combined with Fisher's chi-square (the SpamBayes method).
//
// Scopes: 'global' and 'domain:<id>'. A message scored for a domain reads both scopes and
// adds the counts, so what a domain's users teach sharpens the global knowledge for them.
// Reading is ONE query per message (classifyTokens: the message's token ids plus the '*' row
// that holds the learned-message totals), or none with the process's counts in memory
// (bayesCache.ts). Writing goes through learn()/forget() (bayesLearn.ts).
import { type Db, rawRows, invalid, isMysql } from '../core';
import type { ParseLimits, ParsedMessage } from './parse';
import { tokenize, hashToken, type TokenizeOptions } from './tokens';
import { logReset } from './bayesLog';

export type BayesClass = 'spam' | 'ham';
/** 'global', or a domain id */
export type BayesScope = 'global' | number;

export const TOTAL_TOKEN = '*';

export interface BayesOptions {
  /** where to learn: 'global' (default) or a domain id */
  scope?: BayesScope | null;
  limits?: Partial<ParseLimits>;
  tokenize?: TokenizeOptions;
}

export interface BayesParams {
  /** messages of each class a scope must have learned before its verdict counts */
  minSpam: number;
  minHam: number;
  /** Robinson's s and x: how much an unknown or rare token is pulled towards x */
  unknownStrength: number;
  unknownProb: number;
  /** tokens whose probability is within this of 0.5 are ignored */
  minStrength: number;
  /** the most extreme tokens used */
  maxClues: number;
}

// Measured on the time split of the SpamAssassin corpus (bench:spam): a minimum strength of 0.2
// (not 0.1) ranks unseen spam better and loses less to ham filler; SpamAssassin's 0.346 lost 7
// points of recall. 200 messages of each class before Bayes counts, as in SpamAssassin.
export const DEFAULT_BAYES: BayesParams = { minSpam: 200, minHam: 200, unknownStrength: 0.45, unknownProb: 0.5, minStrength: 0.2, maxClues: 150 };

export interface BayesResult {
  /** 0 = ham .. 1 = spam; 0.5 when nothing is known */
  probability: number;
  /** enough messages learned for the probability to count */
  trained: boolean;
  spamMsgs: number;
  hamMsgs: number;
  /** tokens used, with their probability (ids, not text) */
  clues: number;
}

export function scopeKey(scope: BayesScope | null | undefined): string {
  if (scope === undefined || scope === null || scope === 'global') return 'global';
  if (typeof scope === 'number' && Number.isInteger(scope) && scope > 0) return `domain:${scope}`;
  throw invalid('scope', `bad Bayes scope ${String(scope)}`);
}

/** The scopes read when scoring for a domain (or globally). */
export function scopesFor(domainId?: number | null): string[] {
  return domainId ? ['global', scopeKey(domainId)] : ['global'];
}

// a message scored and then auto-learned is tokenized once
const defaultIds = new WeakMap<ParsedMessage, string[]>();

/** Token ids of a parsed message (unique, sorted). */
export function tokenIds(msg: ParsedMessage, opts?: TokenizeOptions): string[] {
  if (opts) return [...new Set(tokenize(msg, opts).map(hashToken))].sort();
  let ids = defaultIds.get(msg);
  if (!ids) defaultIds.set(msg, (ids = [...new Set(tokenize(msg).map(hashToken))].sort()));
  return ids;
}

// ---------------------------------------------------------------- classify

/** chi-square survival function for an even number of degrees of freedom */
function chi2Q(x2: number, v: number): number {
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < v / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}

/** Combines token counts into a spam probability (pure; exported for the benchmark and tests). */
export function combine(counts: Map<string, { spam: number; ham: number }>, nspam: number, nham: number, p: BayesParams = DEFAULT_BAYES): { probability: number; clues: number } {
  if (nspam <= 0 || nham <= 0) return { probability: 0.5, clues: 0 };
  const probs: number[] = [];
  for (const [token, c] of counts) {
    if (token === TOTAL_TOKEN) continue;
    const s = Math.min(c.spam, nspam);
    const h = Math.min(c.ham, nham);
    if (s + h === 0) continue;
    const sr = s / nspam;
    const hr = h / nham;
    const prob = sr / (sr + hr);
    const n = s + h;
    const f = (p.unknownStrength * p.unknownProb + n * prob) / (p.unknownStrength + n);
    if (Math.abs(f - 0.5) >= p.minStrength) probs.push(f);
  }
  if (!probs.length) return { probability: 0.5, clues: 0 };
  // strongest first; equal strengths ordered by value, so the result never depends on the
  // order the counts were read in (SQL rows or memory)
  probs.sort((a, b) => Math.abs(b - 0.5) - Math.abs(a - 0.5) || a - b);
  const clues = probs.length > p.maxClues ? probs.slice(0, p.maxClues) : probs;
  let lnH = 0;
  let lnS = 0;
  for (const f of clues) {
    const g = Math.min(Math.max(f, 1e-6), 1 - 1e-6);
    lnH += Math.log(g);
    lnS += Math.log(1 - g);
  }
  const n = clues.length;
  const H = 1 - chi2Q(-2 * lnH, 2 * n); // near 1 when the clues say ham
  const S = 1 - chi2Q(-2 * lnS, 2 * n); // near 1 when the clues say spam
  return { probability: (S - H + 1) / 2, clues: n };
}

/** Reads the counts of a message's tokens in the given scopes (one query) and combines them. */
export async function classifyTokens(db: Db, ids: string[], scopes: string[], p: BayesParams = DEFAULT_BAYES): Promise<BayesResult> {
  // Hot path of every message: one fixed statement with the token ids inlined as literals (they
  // are our own hex hashes, checked below), which spares building and escaping hundreds of bindings.
  const safe = ids.filter((id) => /^[0-9a-f]{1,32}$/.test(id));
  const tokenList = [`'${TOTAL_TOKEN}'`, ...safe.map((id) => `'${id}'`)].join(',');
  const scopeMarks = scopes.map(() => '?').join(',');
  const result = await db.raw(
    `SELECT token, SUM(spam) AS spam, SUM(ham) AS ham FROM bayes_tokens WHERE scope IN (${scopeMarks}) AND token IN (${tokenList}) GROUP BY token`,
    scopes,
  );
  const rows = rawRows(result) as { token: string; spam: number | string; ham: number | string }[];
  const counts = new Map<string, { spam: number; ham: number }>();
  let nspam = 0;
  let nham = 0;
  for (const r of rows) {
    const c = { spam: Number(r.spam) || 0, ham: Number(r.ham) || 0 };
    if (r.token === TOTAL_TOKEN) {
      nspam = c.spam;
      nham = c.ham;
    } else counts.set(r.token, c);
  }
  return bayesResult(counts, nspam, nham, p);
}

/** The verdict of a message's token counts and its scopes' learned-message totals. */
export function bayesResult(counts: Map<string, { spam: number; ham: number }>, nspam: number, nham: number, p: BayesParams = DEFAULT_BAYES): BayesResult {
  const { probability, clues } = combine(counts, nspam, nham, p);
  return { probability, clues, spamMsgs: nspam, hamMsgs: nham, trained: nspam >= p.minSpam && nham >= p.minHam };
}

export async function classify(db: Db, msg: ParsedMessage, opts: { domainId?: number | null; params?: BayesParams; tokenize?: TokenizeOptions } = {}): Promise<BayesResult> {
  return classifyTokens(db, tokenIds(msg, opts.tokenize), scopesFor(opts.domainId), opts.params);
}

/** Learned message counts of a scope. */
export async function bayesTotals(db: Db, scope: BayesScope = 'global'): Promise<{ spam: number; ham: number; tokens: number }> {
  const key = scopeKey(scope);
  const total = await db('bayes_tokens').where({ scope: key, token: TOTAL_TOKEN }).first('spam', 'ham');
  const [{ n }] = (await db('bayes_tokens').where('scope', key).whereNot('token', TOTAL_TOKEN).count({ n: '*' })) as { n: number | string }[];
  return { spam: Number(total?.spam ?? 0), ham: Number(total?.ham ?? 0), tokens: Number(n) };
}

// ---------------------------------------------------------------- ageing

/** Rare tokens not taught again for this many days are forgotten (daily, and `mailhost purge`). */
export const TOKEN_MAX_AGE_DAYS = 180;

const DAY_MS = 86_400_000;

export function dayNumber(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** A day number of bayes_tokens.learned_day as YYYY-MM-DD. */
export function dayDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Forgets the tokens that only one learned message ever counted (most of the table: one-off
 * words, hosts, numbers) when no message has counted them for `maxAgeDays`. They weigh
 * little in a verdict and would otherwise grow the table without end. Tokens taught again
 * keep their age fresh; the learned-message totals are kept. A later forget() of such a
 * message simply finds fewer rows to decrement.
 */
export async function expireTokens(db: Db, opts: { maxAgeDays?: number; now?: number } = {}): Promise<{ tokens: number; learned: number; cutoffDay: number }> {
  const days = opts.maxAgeDays ?? TOKEN_MAX_AGE_DAYS;
  if (!Number.isInteger(days) || days < 1) throw invalid('days', 'token age must be a whole number of days, 1 or more');
  const cutoffDay = dayNumber(opts.now ?? Date.now()) - days;
  const tokens = await db('bayes_tokens').whereNot('token', TOTAL_TOKEN).andWhere('learned_day', '<', cutoffDay).andWhereRaw('spam + ham <= 1').delete();
  if (tokens) await logReset(db, '*'); // every cache reloads what it holds
  return { tokens, learned: await expireLearned(db, cutoffDay), cutoffDay };
}

/**
 * Forgets which messages were learned before `cutoffDay` (bayes_learned): auto-learning adds a
 * row per message, which would otherwise grow without end. The same day boundary as the tokens',
 * so a record goes with the tokens only its message taught. Such a message learned again counts
 * again, and forgetting it then finds nothing to undo.
 */
async function expireLearned(db: Db, cutoffDay: number): Promise<number> {
  // learned_at is the database's CURRENT_TIMESTAMP: UTC text on SQLite, a TIMESTAMP (an instant) on MariaDB
  const cutoff = isMysql(db) ? db.raw('FROM_UNIXTIME(?)', [cutoffDay * (DAY_MS / 1000)]) : `${dayDate(cutoffDay)} 00:00:00`;
  return db('bayes_learned').where('learned_at', '<', cutoff).delete();
}

/** Drops everything a domain scope learned (e.g. when the domain is deleted). */
export async function dropScope(db: Db, scope: BayesScope): Promise<void> {
  const key = scopeKey(scope);
  await db.transaction(async (trx) => {
    await trx('bayes_tokens').where('scope', key).del();
    await trx('bayes_learned').where('scope', key).del();
    await logReset(trx, key);
  });
}
