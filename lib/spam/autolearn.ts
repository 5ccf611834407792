// Auto-learning, as SpamAssassin's AutoLearnThreshold does it: a message the rules alone score
// far above the threshold is learned as spam, one they score far below as ham, into its
// domain's Bayes scope (global when it has no domain). Bayes points never decide it (the
// rules' points without Bayes are used, see Verdict.autolearnScore), nor do rules marked
// noautolearn/userconf (GTUBE, list entries). A message already learned in that scope or
// globally -- by a user or by an earlier auto-learn -- is left alone: a user's training always
// wins and nothing is counted twice.
import type { Db } from '../core';
import { parseForScoring, type ParsedMessage } from './parse';
import { scopeKey, type BayesClass } from './bayes';
import { learnPrepared, prepareLesson, type LearnOutcome, type PreparedLesson, type LessonSource } from './bayesLearn';
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
  const [out] = await learnPrepared(db, [prepareLesson(opts.parsed ?? parseForScoring(raw), d.cls, scopeKey(opts.domainId || 'global'))], { onlyNew: true });
  return outcome(out, d);
}

function outcome(out: LearnOutcome, d: { cls: BayesClass | null; reason: string }): AutolearnOutcome {
  if (out.learnedIn) return { learned: null, reason: `already learned as ${out.previous} (${out.learnedIn})` };
  return out.changed ? { learned: d.cls, reason: d.reason } : { learned: null, reason: 'already learned' };
}

/**
 * Lessons are written once this many wait, or this long after the first; at most MAX_BATCH per
 * transaction. A batch's cost is mostly per transaction and per distinct token, and common words
 * recur across messages: fewer, larger batches write less.
 */
const BATCH = 200;
const BATCH_MS = 1000;
const MAX_BATCH = 500;
/** Lessons waiting beyond this (database slow or unreachable) are not learned. */
const MAX_WAITING = 5000;

/**
 * The auto-learning of a busy process: lessons are gathered and written in one transaction
 * (any number of domains) every second or every BATCH messages, instead of one transaction
 * per message. A lesson is soft: one lost in a crash or a database fault only costs a lesson.
 */
export class AutoLearner {
  private waiting: PreparedLesson[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;

  constructor(
    private db: Db,
    private onError: (err: Error) => void,
    private settings?: AutolearnSettings,
  ) {}

  /** Queues the lesson of a scored message (parsed as for scoring, or what it is made of: only read when learned); says what it will learn. */
  add(source: LessonSource | (() => LessonSource), v: Verdict, domainId?: number | null): { cls: BayesClass | null; reason: string } {
    const d = autolearnDecision(v, this.settings);
    if (!d.cls || this.waiting.length >= MAX_WAITING) return d;
    this.waiting.push(prepareLesson(typeof source === 'function' ? source() : source, d.cls, scopeKey(domainId || 'global')));
    if (this.waiting.length >= BATCH && !this.writing) void this.write(false);
    else this.arm();
    return d;
  }

  /** Lessons waiting to be written. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Writes everything waiting; resolves when it is written (or failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.waiting.length) await this.write(true);
  }

  private arm(): void {
    if (this.timer || !this.waiting.length) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.writing) this.arm();
      else void this.write(false);
    }, BATCH_MS);
    this.timer.unref();
  }

  private write(all: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = this.drain(all).finally(() => {
      this.writing = null;
      this.arm(); // what came meanwhile waits for a full batch or its second
    });
    return this.writing;
  }

  /** all: until nothing waits (flush); otherwise one batch, then more only while full ones wait. */
  private async drain(all: boolean): Promise<void> {
    // what arrives while a batch is written goes in a later one: at once only when a full batch
    // is already waiting (a write per finished write would make batches as small as the wait,
    // a few lessons each under load: one transaction every few tens of milliseconds)
    do {
      const batch = this.waiting.splice(0, MAX_BATCH);
      await learnPrepared(this.db, batch, { onlyNew: true }).catch((err: Error) => this.onError(err));
    } while (this.waiting.length >= (all ? 1 : BATCH));
  }
}
