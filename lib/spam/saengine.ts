// SpamAssassin-compatible rule engine: loads rule files (*.cf) from configured directories
// (by default the system's installed SpamAssassin rules, plus our own lib/spam/rules/local.cf),
// compiles header / mimeheader / body / rawbody / uri / full / meta rules and the eval: tests
// we implement, and runs them on a parsed message. Rules that cannot be translated to
// JavaScript, or use an eval we do not implement, or need network or relay data, are skipped
// and counted (rulesCheck()). Score set: 0 ("no network, no Bayes") when Bayes does not count
// for a message, 2 ("no network, with Bayes") when it does, as SpamAssassin picks them.
// Time is bounded: each text is capped (saview.ts) and a message stops being checked once its
// time budget is spent (the remaining rules count as not hit, and the verdict says so).
import fs from 'node:fs';
import path from 'node:path';
import { parseForScoring, type ParsedMessage } from './parse';
import { emptyCf, parseCf, replaceTags, parseEvalCall, DEFAULT_PLUGINS, type CfData, type CfKind } from './cf';
import { translatePerlRegex, splitPerlMatch } from './perlre';
import { SaView, UNSUPPORTED_HEADER, type TextKind } from './saview';
import { LiteralSet } from './literals';
import { RegexSet, regexSetsAvailable } from './regexSet';
import { evalTest, bayesRange } from './saevals';
import { requiredStrings } from './prefilter';

type Runner = (v: SaView) => number;

export interface SaRule {
  name: string;
  kind: CfKind;
  /** points in score set 0 (no Bayes) and set 2 (with Bayes) */
  score0: number;
  score2: number;
  tflags: string[];
  describe?: string;
  /** whether the rule takes part in the auto-learn decision (not learn, noautolearn, userconf) */
  autolearn: boolean;
  /** where its hit count lives in the run's array */
  slot: number;
  run?: Runner;
  /** meta rules: the compiled expression over the hit counts */
  meta?: (h: Float64Array) => number;
  /** meta rules: that expression's JavaScript (h[slot] for each rule it names) */
  metaJs?: string;
}

export interface SkippedRule {
  name: string;
  file: string;
  reason: string;
}

export interface SaRuleSet {
  /** rules in run order: plain rules first, then meta rules in dependency order */
  rules: SaRule[];
  /** slot of a rule's name (see SaRule.slot) */
  index: Map<string, number>;
  /** size of the hit-count array */
  slots: number;
  /** rules left out because they score nothing and feed no scoring meta rule */
  unused: number;
  skipped: SkippedRule[];
  /** the prefilter strings of the text rules, per kind */
  literals: Record<TextKind, LiteralSet>;
  /** the one-pass prefilter of the text rules without required strings, per kind */
  regexSets: Record<TextKind, RegexSet>;
  files: string[];
  dirs: string[];
  /** Bayes points come from check_bayes rules (BAYES_00..BAYES_999) */
  bayesRules: boolean;
  /** those rules, when they can be scored apart from the pass (no meta rule reads them), else null */
  bayesBands: BayesBand[] | null;
  freemail: Set<string>;
  /** lines of the files that were not understood */
  unknownLines: number;
}

export interface SaHit {
  rule: string;
  points: number;
  describe?: string;
  /** with `bothScores`: the points in score set 2 (Bayes counts); `points` is then set 0's */
  points2?: number;
}

/**
 * A check_bayes rule (BAYES_00..BAYES_99): a band of the Bayes probability. When no meta rule
 * reads one, the bands are scored outside the rule pass, so the pass need not wait for Bayes.
 */
export interface BayesBand {
  rule: string;
  lo: number;
  hi: number;
  score0: number;
  score2: number;
  autolearn: boolean;
}

export interface SaResult {
  hits: SaHit[];
  score: number;
  /** points that count for auto-learning: score set 0 (no Bayes), without learn/noautolearn/userconf rules */
  autolearnScore: number;
  /** the time budget ran out: some rules were not checked */
  budgetExceeded: boolean;
}

/** Milliseconds one message may spend in rules before the rest are given up. */
export const DEFAULT_RULE_BUDGET_MS = 500;

/** SpamAssassin's score for a rule without a `score` line: 1, 0.01 for T_ rules, negative when nice. */
function defaultScore(name: string, tflags: string[]): number {
  if (name.startsWith('__')) return 0;
  const s = name.startsWith('T_') ? 0.01 : 1;
  return tflags.includes('nice') ? -s : s;
}

function countMatches(re: RegExp, text: string, max: number): number {
  re.lastIndex = 0;
  let n = 0;
  for (let m = re.exec(text); m && n < max; m = re.exec(text)) {
    n++;
    if (m[0] === '') re.lastIndex++;
  }
  return n;
}

/** Where the text rules register their prefilters (strings, or else their regex in a set), per kind. */
interface Prefilters {
  literals: Record<TextKind, LiteralSet>;
  regexSets: Record<TextKind, RegexSet>;
}

function newPrefilters(): Prefilters {
  return {
    literals: { body: new LiteralSet(), rawbody: new LiteralSet(), full: new LiteralSet(), uri: new LiteralSet() },
    regexSets: { body: new RegexSet(), rawbody: new RegexSet(), full: new RegexSet(), uri: new RegexSet() },
  };
}

/** A runner for a text rule: the count of matches (1 unless tflags multiple), behind its prefilter. */
function textRunner(kind: TextKind, re: RegExp, multiple: number, pre: Prefilters | null, noSubject = false): Runner {
  const get = (v: SaView): string | string[] => (kind === 'uri' ? v.uris : noSubject ? v.bodyBytes : v[kind]);
  const run = matchRunner(get, re, multiple);
  if (!pre) return run;
  const req = requiredStrings(re.source);
  if (!req) {
    // the set scans the text with the Subject: a nosubject rule's anchors would not hold there
    const id = noSubject ? null : pre.regexSets[kind].add(re);
    if (id === null) return run;
    return (v) => (v.mayMatch(kind)[id] ? run(v) : 0);
  }
  const lits = pre.literals;
  const ids = req.map((s) => lits[kind].add(s));
  return (v) => {
    const f = v.found(kind);
    for (let i = 0; i < ids.length; i++) if (f[ids[i]]) return run(v);
    return 0;
  };
}

function matchRunner(get: (v: SaView) => string | string[], re: RegExp, multiple: number): Runner {
  if (multiple > 1) {
    return (v) => {
      const t = get(v);
      if (typeof t === 'string') return countMatches(re, t, multiple);
      let n = 0;
      for (const s of t) if ((n += countMatches(re, s, multiple - n)) >= multiple) break;
      return n;
    };
  }
  return (v) => {
    const t = get(v);
    if (typeof t === 'string') return re.test(t) ? 1 : 0;
    for (const s of t) if (re.test(s)) return 1;
    return 0;
  };
}

function compileHeader(def: string, mime: boolean, prefilter: boolean): Runner | string {
  const trimmed = def.trim();
  const ex = /^exists:(\S+)$/.exec(trimmed);
  if (ex) {
    if (UNSUPPORTED_HEADER.test(ex[1])) return `pseudo-header ${ex[1]} not available`;
    return mime ? (v) => (v.msg.parts.length && v.header(ex[1]) !== undefined ? 1 : 0) : (v) => (v.header(ex[1]) !== undefined ? 1 : 0);
  }
  const m = /^(\S+)\s*(=~|!~)\s*(.*?)(?:\s*\[if-unset:\s*(.*)\])?$/.exec(trimmed);
  if (!m) return 'header rule not understood';
  const [, spec, op, reText, ifUnset] = m;
  if (UNSUPPORTED_HEADER.test(spec)) return `pseudo-header ${spec} not available`;
  const pm = splitPerlMatch(reText);
  if (!pm) return 'pattern not understood';
  const t = translatePerlRegex(pm.pattern, pm.flags);
  if ('error' in t) return t.error;
  const re = t.re;
  const neg = op === '!~';
  // most header rules look at headers a message does not have, or for words its headers lack:
  // the answer for an absent header is fixed, and a value without any of the pattern's
  // required strings cannot match, so the regex runs only when it might (run counts, not
  // regex speed, are what a message's rule pass costs)
  const whenUnset = re.test(ifUnset ?? '') !== neg ? 1 : 0;
  const req = prefilter ? requiredStrings(re.source) : undefined;
  const noMatch = neg ? 1 : 0;
  return (v) => {
    const value = v.header(spec);
    if (value === undefined) return whenUnset;
    if (req && !containsAny(v.headerLower(spec), req)) return noMatch;
    return re.test(value) !== neg ? 1 : 0;
  };
}

function containsAny(text: string, strings: string[]): boolean {
  for (let i = 0; i < strings.length; i++) if (text.includes(strings[i])) return true;
  return false;
}

function multipleOf(tflags: string[]): number {
  if (!tflags.includes('multiple')) return 1;
  const mh = tflags.find((f) => f.startsWith('maxhits='));
  return mh ? Math.max(1, Number(mh.slice(8)) || 1) : 1000;
}

/** `pre`: where text rules register their prefilters (null: no prefilters, every regex runs). */
function compileRule(kind: CfKind, def: string, tflags: string[], pre: Prefilters | null): Runner | string {
  if (kind === 'body' && tflags.includes('nosubject')) kind = 'bodynosubject' as CfKind;
  const ev = def.trim().startsWith('eval:') ? parseEvalCall(def) : undefined;
  if (def.trim().startsWith('eval:')) {
    if (!ev) return 'eval call not understood';
    const test = evalTest(ev.fn, ev.args);
    if (typeof test === 'string') return test;
    return (v) => Number(test(v)) || 0;
  }
  if (kind === 'header' || kind === 'mimeheader') return compileHeader(def, kind === 'mimeheader', pre !== null);
  const pm = splitPerlMatch(def);
  if (!pm) return 'pattern not understood';
  const multiple = multipleOf(tflags);
  const t = translatePerlRegex(pm.pattern, pm.flags, multiple > 1 ? 'g' : '');
  if ('error' in t) return t.error;
  if ((kind as string) === 'bodynosubject') return textRunner('body', t.re, multiple, pre, true);
  if (kind === 'body' || kind === 'rawbody' || kind === 'full' || kind === 'uri') return textRunner(kind, t.re, multiple, pre);
  return `${kind} rules not supported`;
}

const META_TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\d+(?:\.\d+)?)|(&&|\|\||>=|<=|==|!=|[-+*/()!<>]))/y;

/** Compiles a meta expression; names of rules not loaded count as 0. */
function compileMeta(expr: string, index: Map<string, number>): { fn: (h: Float64Array) => number; js: string; deps: string[] } | string {
  let js = '';
  const deps: string[] = [];
  META_TOKEN.lastIndex = 0;
  let pos = 0;
  const s = expr.trim();
  while (pos < s.length) {
    META_TOKEN.lastIndex = pos;
    const m = META_TOKEN.exec(s);
    if (!m) return `meta expression not understood at "${s.slice(pos, pos + 20)}"`;
    pos = META_TOKEN.lastIndex;
    if (m[1]) {
      const i = index.get(m[1]);
      if (i === undefined) js += '0';
      else {
        js += `h[${i}]`;
        deps.push(m[1]);
      }
    } else if (m[2]) js += m[2];
    else js += m[3];
  }
  if (!js) return 'empty meta expression';
  try {
    const fn = new Function('h', `return +(${js}) || 0;`) as (h: Float64Array) => number;
    fn(new Float64Array(index.size));
    return { fn, js, deps };
  } catch (err) {
    return `meta expression refused: ${(err as Error).message}`;
  }
}

export interface CompileOptions {
  /**
   * Also run the body ReplaceTags rules (obfuscated-word patterns built from letter tags). They are
   * huge alternations that Perl runs as tries but JavaScript backtracks through: measured, they
   * cost ~8 ms of a 10 ms median message while firing on under 3 % of the corpus' spam.
   */
  slowRules?: boolean;
  /** Skip regexes that cannot match by their required strings (default true; false checks they change nothing). */
  prefilter?: boolean;
}

/** Compiles what parseCf() read into a rule set. */
export function compileCf(cf: CfData, dirs: string[] = [], files: string[] = [], opts: CompileOptions = {}): SaRuleSet {
  const skipped: SkippedRule[] = [];
  const plain: SaRule[] = [];
  const bandDefs = new Map<string, { lo: number; hi: number }>();
  const prefilters = newPrefilters();
  const metaDefs: { name: string; def: string; file: string }[] = [];
  const base = (name: string): SaRule => {
    const tflags = cf.tflags.get(name) ?? [];
    const sc = cf.scores.get(name);
    const d = defaultScore(name, tflags);
    // every rule object has the same fields in the same order (one hidden class for V8)
    return {
      name,
      kind: 'meta' as CfKind,
      slot: -1,
      score0: sc ? sc[0] : d,
      score2: sc ? sc[2] : d,
      tflags,
      describe: cf.describe.get(name),
      autolearn: !tflags.some((f) => f === 'learn' || f === 'noautolearn' || f === 'userconf'),
      run: undefined as Runner | undefined,
      meta: undefined as ((h: Float64Array) => number) | undefined,
      metaJs: undefined as string | undefined,
    };
  };
  for (const r of cf.rules.values()) {
    if (r.kind === 'meta') {
      metaDefs.push({ name: r.name, def: r.def, file: r.file });
      continue;
    }
    const tflags = cf.tflags.get(r.name) ?? [];
    if (tflags.includes('net')) {
      skipped.push({ name: r.name, file: r.file, reason: 'network test (tflags net)' });
      continue;
    }
    // header ones run on short values and are cheap; body ones are the slow kind
    if (cf.replaceRules.has(r.name) && !opts.slowRules && (r.kind === 'body' || r.kind === 'rawbody' || r.kind === 'full') && /<[A-Za-z0-9_]+>/.test(r.def)) {
      skipped.push({ name: r.name, file: r.file, reason: 'ReplaceTags rule: too slow in JavaScript (CompileOptions.slowRules runs it)' });
      continue;
    }
    const def = cf.replaceRules.has(r.name) ? replaceTags(r.def, cf) : r.def;
    const run = compileRule(r.kind, def, tflags, opts.prefilter === false ? null : prefilters);
    if (typeof run === 'string') {
      skipped.push({ name: r.name, file: r.file, reason: run });
      continue;
    }
    const rule = base(r.name);
    rule.kind = r.kind;
    rule.run = run;
    plain.push(rule);
    const ev = def.trim().startsWith('eval:') ? parseEvalCall(def) : undefined;
    if (ev?.fn === 'check_bayes') bandDefs.set(r.name, bayesRange(ev.args));
  }
  // SpamAssassin runs rules by priority (lower first), so budget cuts drop the late ones
  plain.sort((a, b) => (cf.priority.get(a.name) ?? 0) - (cf.priority.get(b.name) ?? 0));
  // meta rules: every name gets an index first, so metas can use metas; then dependency order
  const index = new Map<string, number>();
  plain.forEach((r, i) => index.set(r.name, i));
  metaDefs.forEach((m, i) => index.set(m.name, plain.length + i));
  const compiled = new Map<string, { fn: (h: Float64Array) => number; js: string; deps: string[]; file: string }>();
  for (const m of metaDefs) {
    const c = compileMeta(m.def, index);
    if (typeof c === 'string') skipped.push({ name: m.name, file: m.file, reason: c });
    else compiled.set(m.name, { ...c, file: m.file });
  }
  const ordered: string[] = [];
  const state = new Map<string, 1 | 2>(); // 1 visiting, 2 done
  const visit = (name: string): boolean => {
    const st = state.get(name);
    if (st === 2) return true;
    if (st === 1) return false; // a circle
    state.set(name, 1);
    const c = compiled.get(name)!;
    for (const d of c.deps) if (compiled.has(d) && !visit(d)) return false;
    state.set(name, 2);
    ordered.push(name);
    return true;
  };
  for (const name of compiled.keys()) {
    if (!visit(name)) {
      skipped.push({ name, file: compiled.get(name)!.file, reason: 'meta rules depend on each other in a circle' });
      state.set(name, 2);
    }
  }
  // final layout: plain rules, then the metas in order; meta expressions were compiled against
  // the provisional index, so keep that index and place metas at their provisional slots
  // as SpamAssassin does: a rule that scores nothing in either set and feeds no scoring meta
  // rule is not run at all
  const needed = new Set<string>();
  const need = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const d of compiled.get(name)?.deps ?? []) need(d);
  };
  for (const r of plain) if (r.score0 || r.score2) need(r.name);
  for (const name of compiled.keys()) {
    const b = base(name);
    if (b.score0 || b.score2) need(name);
  }
  let unused = 0;
  for (let i = plain.length - 1; i >= 0; i--) {
    if (!needed.has(plain[i].name)) {
      plain.splice(i, 1);
      unused++;
    }
  }
  for (const r of plain) r.slot = index.get(r.name)!;
  const metaRules: SaRule[] = [];
  for (const name of ordered) {
    const c = compiled.get(name);
    if (!c || !needed.has(name)) continue;
    const rule = base(name);
    rule.slot = index.get(name)!;
    rule.meta = c.fn;
    rule.metaJs = c.js;
    metaRules.push(rule);
  }
  const rules = plain.concat(metaRules);
  return {
    rules,
    index: new Map(rules.map((r) => [r.name, r.slot])),
    slots: index.size,
    unused,
    skipped,
    files,
    dirs,
    literals: prefilters.literals,
    regexSets: prefilters.regexSets,
    bayesRules: plain.some((r) => r.name.startsWith('BAYES_')),
    bayesBands: bandsApart(plain, metaRules, bandDefs, compiled),
    freemail: new Set(cf.freemailDomains.map((d) => (d.startsWith('*.') ? d.slice(2) : d.endsWith('.*') ? d.slice(0, -1) : d))),
    unknownLines: cf.unknown,
  };
}

/**
 * The check_bayes rules as bands, or null when a meta rule that runs reads one (directly or
 * through another meta): then the pass needs the probability before it starts.
 */
function bandsApart(plain: SaRule[], metas: SaRule[], defs: Map<string, { lo: number; hi: number }>, compiled: Map<string, { deps: string[] }>): BayesBand[] | null {
  const bands = plain.filter((r) => defs.has(r.name));
  const reads = new Set(bands.map((r) => r.name));
  for (const m of metas) {
    if (compiled.get(m.name)?.deps.some((d) => reads.has(d))) return null; // metas are in dependency order
  }
  return bands.map((r) => ({ rule: r.name, ...defs.get(r.name)!, score0: r.score0, score2: r.score2, autolearn: r.autolearn }));
}

interface Program {
  runs: (Runner | null)[];
  metas: (((h: Float64Array) => number) | null)[];
  slots: Int32Array;
  /** where the trailing meta rules start: they run as `metaBatches`, not one call each */
  tail: number;
  metaBatches: ((h: Float64Array) => void)[];
  /** the rule results of the pass under way (scratchHits) */
  hits?: Float64Array;
}

const programs = new WeakMap<SaRule[], Program>();
/** meta rules per generated function (small enough for V8 to optimize each) */
const META_BATCH = 64;

/**
 * The rules as flat arrays for the per-message loop: reading runner and slot off ~2,000 rule
 * objects made V8 miss its property caches on every rule (a third of the loop's time, profiled).
 * The meta rules at the end (all of them, as compileCf orders rules) become a few functions of
 * straight-line assignments, in their order, instead of a call per rule.
 */
function programOf(rules: SaRule[]): Program {
  let p = programs.get(rules);
  if (!p) {
    let tail = rules.length;
    while (tail > 0 && !rules[tail - 1].run && rules[tail - 1].metaJs !== undefined) tail--;
    const metaBatches: ((h: Float64Array) => void)[] = [];
    for (let i = tail; i < rules.length; i += META_BATCH) {
      const body = rules.slice(i, i + META_BATCH).map((r) => `h[${r.slot}] = +(${r.metaJs}) || 0;`);
      metaBatches.push(new Function('h', body.join('\n')) as (h: Float64Array) => void);
    }
    p = { runs: rules.map((r) => r.run ?? null), metas: rules.map((r) => (r.run ? null : (r.meta ?? null))), slots: Int32Array.from(rules, (r) => r.slot), tail, metaBatches };
    programs.set(rules, p);
  }
  return p;
}

/**
 * The program's array of rule results, zeroed: one per rule set, reused by every message (a
 * pass runs synchronously, start to end). A new one per message was thousands of slots, the
 * largest single allocation of the rule thread.
 */
function scratchHits(p: Program, slots: number): Float64Array {
  if (p.hits?.length !== slots) p.hits = new Float64Array(slots);
  else p.hits.fill(0);
  return p.hits;
}

/** Runs a rule set on a parsed message. `bayes`: the spam probability when Bayes counts. */
export function runSa(msg: ParsedMessage, set: SaRuleSet, opts: { bayes?: number; budgetMs?: number; exclude?: Set<string>; /** hits carry both score sets (`points2`): Bayes is scored after the pass */ bothScores?: boolean } = {}): SaResult {
  const v = new SaView(msg);
  v.bayes = opts.bayes;
  v.freemail = set.freemail;
  v.literals = set.literals;
  v.regexSets = set.regexSets;
  const withBayes = opts.bayes !== undefined;
  const rules = set.rules;
  const program = programOf(rules);
  const h = scratchHits(program, set.slots);
  const deadline = Date.now() + (opts.budgetMs ?? DEFAULT_RULE_BUDGET_MS);
  let budgetExceeded = false;
  const { runs, metas, slots, tail, metaBatches } = program;
  for (let i = 0; i < tail; i++) {
    const run = runs[i];
    if (run !== null) {
      if ((i & 15) === 0 && Date.now() > deadline) {
        budgetExceeded = true;
        break;
      }
      let n = 0;
      try {
        n = run(v);
      } catch {
        n = 0;
      }
      h[slots[i]] = n;
    } else {
      const meta = metas[i];
      if (meta !== null) h[slots[i]] = meta(h);
    }
  }
  if (budgetExceeded) {
    // meta rules would read unchecked rules as "not hit" (and fire on negations): none count
    for (const r of rules) if (r.meta) h[r.slot] = 0;
  } else for (let b = 0; b < metaBatches.length; b++) metaBatches[b](h);
  const hits: SaHit[] = [];
  let score = 0;
  let autolearnScore = 0;
  for (const r of rules) {
    if (!h[r.slot]) continue;
    if (r.name.startsWith('__') || opts.exclude?.has(r.name)) continue;
    // auto-learning judges by the scores without Bayes (set 0), as SpamAssassin does
    if (r.autolearn) autolearnScore += r.score0;
    const points = withBayes ? r.score2 : r.score0;
    if (opts.bothScores) {
      if (points || r.score2) hits.push({ rule: r.name, points, describe: r.describe, points2: r.score2 });
    } else if (points) hits.push({ rule: r.name, points, describe: r.describe });
    if (!points) continue;
    score += points;
  }
  return { hits, score, autolearnScore, budgetExceeded };
}

/** Our own rules, in SpamAssassin syntax (in the source tree, loaded after the system's). */
export const LOCAL_CF = path.join(__dirname, '..', '..', '..', 'lib', 'spam', 'rules', 'local.cf');

/**
 * The directories of SpamAssassin's rules on this system: the newest sa-update download when
 * there is one (it replaces the packaged rules, as in SpamAssassin), else the packaged ones.
 * MAILHOST_SA_RULES overrides (a colon-separated list; empty: none).
 */
export function defaultRuleDirs(): string[] {
  const env = process.env.MAILHOST_SA_RULES;
  if (env !== undefined) return env.split(':').filter(Boolean);
  const updates = '/var/lib/spamassassin';
  try {
    const versions = fs.readdirSync(updates).filter((d) => /^\d/.test(d)).sort().reverse();
    for (const ver of versions) {
      const d = path.join(updates, ver, 'updates_spamassassin_org');
      if (fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith('.cf'))) return [d];
    }
  } catch {
    /* no sa-update data */
  }
  return fs.existsSync('/usr/share/spamassassin') ? ['/usr/share/spamassassin'] : [];
}

/** Reads and compiles the *.cf files of `dirs` (name order) then the `extra` files. */
export function buildSaRules(dirs: string[], extra: string[] = [LOCAL_CF], opts: CompileOptions = {}): SaRuleSet {
  const cf = emptyCf();
  const plugins = new Set(DEFAULT_PLUGINS);
  const files: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((f) => f.endsWith('.cf')).sort();
    } catch {
      continue;
    }
    for (const f of names) files.push(path.join(dir, f));
  }
  for (const f of extra) if (fs.existsSync(f)) files.push(f);
  for (const f of files) parseCf(fs.readFileSync(f, 'latin1'), f, cf, plugins);
  const set = compileCf(cf, dirs, files, opts);
  warmUp(set);
  return set;
}

/**
 * Runs every rule once on a small message that passes every prefilter, so the regexes are
 * compiled at load rather than against the first real message's time budget.
 */
function warmUp(set: SaRuleSet): void {
  const v = new SaView(parseForScoring(Buffer.from('Subject: warm up\r\n\r\nwarm up\r\n')));
  v.freemail = set.freemail;
  v.literals = set.literals;
  v.regexSets = set.regexSets;
  for (const kind of ['body', 'rawbody', 'full', 'uri'] as const) {
    set.literals[kind].scan(''); // builds the automaton
    set.regexSets[kind].scan(''); // compiles the sets
    v.setFound(kind, new Uint8Array(set.literals[kind].size).fill(1));
    v.setMayMatch(kind, new Uint8Array(set.regexSets[kind].size).fill(1));
  }
  // twice: V8 interprets a regex on its first run and compiles it on the next
  const h = new Float64Array(set.slots);
  for (let pass = 0; pass < 2; pass++) {
    for (const batch of programOf(set.rules).metaBatches) batch(h);
    for (const r of set.rules) {
      try {
        r.run?.(v);
      } catch {
        /* rules never throw into scoring either */
      }
    }
  }
}

let cached: { key: string; set: SaRuleSet } | undefined;

// where the rules are is looked up again at most once a minute (an sa-update download replaces
// them), not on every message: the lookup reads directories
let dirsFound: { at: number; dirs: string[]; env: string | undefined } | undefined;
function currentRuleDirs(): string[] {
  const now = Date.now();
  const env = process.env.MAILHOST_SA_RULES;
  if (!dirsFound || now - dirsFound.at > 60_000 || dirsFound.env !== env) dirsFound = { at: now, dirs: defaultRuleDirs(), env };
  return dirsFound.dirs;
}

/** The rule set of the default directories and our local file, built once per process. */
export function loadSaRules(dirs = currentRuleDirs()): SaRuleSet {
  const key = dirs.join(':');
  if (!cached || cached.key !== key) cached = { key, set: buildSaRules(dirs) };
  return cached.set;
}

export interface RulesCheck {
  dirs: string[];
  files: number;
  loaded: number;
  skipped: number;
  /** rules not run because they score nothing and feed no scoring meta rule */
  unused: number;
  /** skipped rules per reason, most frequent first */
  reasons: { reason: string; count: number; examples: string[] }[];
  unknownLines: number;
  /** text rules with no required string whose regex runs only when the one-pass set says it may match */
  oneScan: number;
  /** whether the one-pass sets are available (the optional re2 addon is installed) */
  oneScanAvailable: boolean;
}

/** What `mailhost rules check` prints: where rules came from, how many loaded, skipped and why. */
export function rulesCheck(set: SaRuleSet = loadSaRules()): RulesCheck {
  const by = new Map<string, string[]>();
  for (const s of set.skipped) {
    // group "eval:foo not implemented" and translation errors by their kind, not their text
    const key = s.reason.replace(/"[^"]*"/g, '"..."').replace(/^(JavaScript refuses it: ).*/, '$1...');
    const a = by.get(key) ?? [];
    a.push(s.name);
    by.set(key, a);
  }
  return {
    dirs: set.dirs,
    files: set.files.length,
    loaded: set.rules.length,
    skipped: set.skipped.length,
    unused: set.unused,
    reasons: [...by].map(([reason, names]) => ({ reason, count: names.length, examples: names.slice(0, 5) })).sort((a, b) => b.count - a.count),
    unknownLines: set.unknownLines,
    oneScan: Object.values(set.regexSets).reduce((n, r) => n + r.size, 0),
    oneScanAvailable: regexSetsAvailable(),
  };
}
