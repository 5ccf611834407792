// The spam scoring engine: parse with limits, data-file rules, our own Bayes in SQL (counts
// kept in each process's memory),
// newsletter detection, and the results of other Haraka plugins merged in.
export { parseForScoring, headerValue, headerValues, messageHash, DEFAULT_LIMITS } from './parse';
export type { ParseLimits, ParsedMessage, MimePart, HeaderField, Address } from './parse';
export { scoreMessage, scoreParsed, scoreRaw, scoreBands, categorize, bayesPoints, externalReasons, DEFAULT_THRESHOLD } from './score';
export type { Verdict, Category, Reason, ScoreOptions, ScoredMessage } from './score';
export { aligned } from './external';
export type { ExternalResults } from './external';
export { bayesTotals, dropScope, expireTokens, TOKEN_MAX_AGE_DAYS, dayDate, classify, classifyTokens, combine, scopeKey, scopesFor, tokenIds, DEFAULT_BAYES, TOTAL_TOKEN } from './bayes';
export type { BayesClass, BayesScope, BayesOptions, BayesParams, BayesResult } from './bayes';
export { learn, forget, learnMany, learnedAs } from './bayesLearn';
export type { LearnItem, LearnOutcome, LessonSource } from './bayesLearn';
export { BayesCache, sharedBayesCache, DEFAULT_BAYES_CACHE } from './bayesCache';
export type { BayesCacheOptions } from './bayesCache';
export { tokenize, tokenSequence, hashToken } from './tokens';
export { loadRules, compileRules, runRules, TESTS, DEFAULT_RULES_FILE } from './rules';
export type { RuleSet, RuleDef, RuleHit } from './rules';
export { loadSaRules, buildSaRules, compileCf, runSa, rulesCheck, defaultRuleDirs, LOCAL_CF, DEFAULT_RULE_BUDGET_MS } from './saengine';
export type { SaRuleSet, SaRule, SaHit, SaResult, SkippedRule, RulesCheck } from './saengine';
export { SaWorker, sharedSaWorker, DEFAULT_SA_TIMEOUT_MS } from './saWorker';
export type { SaWorkerOptions, SaThreadResult, WholeResult } from './saWorker';
export { parseCf, emptyCf, evalCondition, replaceTags, parseEvalCall, DEFAULT_PLUGINS } from './cf';
export type { CfData, CfRule, CfKind } from './cf';
export { translatePerlRegex, splitPerlMatch } from './perlre';
export { RegexSet, supersetSource, regexSetsAvailable } from './regexSet';
export { SA_EVALS } from './saevals';
export { autolearn, autolearnDecision, autolearnSettings, AutoLearner, DEFAULT_AUTOLEARN } from './autolearn';
export type { AutolearnSettings, AutolearnOutcome } from './autolearn';
export { htmlToText } from './html';
export type { HtmlInfo } from './html';
export { hostOf } from './urls';
