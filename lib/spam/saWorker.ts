// The SpamAssassin rule pass in a worker thread. Measured in the MTA bench, the rule pass is the
// largest share of a message's CPU in the SMTP process, and Haraka answers every client from
// one thread: in a thread of its own the pass runs on another core while the SMTP thread goes
// on answering (RCPT, DATA of other clients). The thread also bounds the damage of a
// pathological pattern: the rules' time budget is checked between rules, so one regex that
// never ends would freeze the whole server; here the thread is terminated after `timeoutMs` and
// the message is scored without the rules (its verdict says 'rules-time'), and a new thread
// serves the next one.
// The thread parses the raw message itself (with the default limits, as decideMessage does): a
// raw Buffer is all that needs copying across. whole() has it do everything that does not need
// this process's Bayes counts (data-file rules, token ids, message hash: lib/spam scoreRaw), which
// took the SMTP thread's parse, tokenizing and rules (a tenth of its time in the bench) off it.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { invalid } from '../core';
import type { SaResult, BayesBand } from './saengine';
import type { RuleHit } from './rules';
import type { Address } from './parse';

/** What the thread answers: the rules' result and whether Bayes points come from BAYES_* rules. */
export type SaThreadResult = SaResult & { bayesRules: boolean };

/** What the thread answers to whole(): everything about a message that does not need Bayes counts. */
export interface WholeResult {
  /** the pass run without Bayes, both score sets in each hit; null when a meta rule reads a Bayes band (then run() it with the probability) */
  sa: SaThreadResult | null;
  bands: BayesBand[] | null;
  /** the data-file rules (lib/spam/rules) */
  data: { hits: RuleHit[]; newsletter: boolean; newsletterHits: string[] };
  /** Bayes token ids and the message hash (classifying, learning) */
  ids: string[];
  hash: string;
  from: Address;
  /** parse limits reached */
  limits: string[];
}

interface Answer {
  id: number;
  result?: SaThreadResult;
  whole?: WholeResult;
  error?: string;
}

export interface SaWorkerOptions {
  /** rule directories (default: the system's, as loadSaRules finds them) */
  dirs?: string[];
  /** a message still unanswered this long after the thread took it stops the thread (default 10 s) */
  timeoutMs?: number;
}

export interface SaTask {
  raw: Buffer;
  bayes?: number;
  budgetMs?: number;
  /** rules not reported (sent to the thread only when it is another set than the last one) */
  exclude?: ReadonlySet<string>;
}

/** Called with the thread's answer, or null when the thread could not give one. */
type Pending = (a: Answer | null) => void;

const THREAD_MAIN = path.join(__dirname, 'saWorkerThread.js');
export const DEFAULT_SA_TIMEOUT_MS = 10_000;

/** What a message gets when the thread could not run the rules: none hit, the budget "spent". */
function gaveUp(bayesRules: boolean): SaThreadResult {
  return { hits: [], score: 0, autolearnScore: 0, budgetExceeded: true, bayesRules };
}

export class SaWorker {
  private worker?: Worker;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** when the oldest unanswered task reached the head of the thread's queue */
  private headSince = 0;
  private watchdog?: NodeJS.Timeout;
  private bayesRules = false;
  private excludeSent?: ReadonlySet<string>;
  /** threads started (the first, then one after each stop) */
  started = 0;

  constructor(private opts: SaWorkerOptions = {}) {}

  /** Runs the rules on a raw message in the thread. Never rejects for a stuck or failed thread: the rules count as not run. */
  async run(task: SaTask): Promise<SaThreadResult> {
    const a = await this.send(task, false);
    return a?.result ?? gaveUp(this.bayesRules);
  }

  /**
   * Everything the thread can do for a message without this process's Bayes counts: one parse,
   * the pass (without Bayes when the bands can be scored apart), the data-file rules, the token
   * ids and the hash. Never rejects: a stuck or failed thread gives `gaveUp`, the rules' result then.
   */
  async whole(raw: Buffer, exclude?: ReadonlySet<string>, budgetMs?: number): Promise<WholeResult | { gaveUp: SaThreadResult }> {
    const a = await this.send({ raw, exclude, budgetMs }, true);
    return a?.whole ?? { gaveUp: gaveUp(this.bayesRules) };
  }

  private send(task: SaTask, whole: boolean): Promise<Answer | null> {
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    if (!this.pending.size) this.headSince = Date.now();
    if (task.exclude !== this.excludeSent) {
      this.excludeSent = task.exclude;
      w.postMessage({ exclude: task.exclude ? [...task.exclude] : [] });
    }
    // the bytes are copied once into their own buffer and handed over, not cloned
    const raw = new Uint8Array(task.raw.length);
    raw.set(task.raw);
    return new Promise<Answer | null>((resolve) => {
      this.pending.set(id, resolve);
      w.postMessage({ id, raw, bayes: task.bayes, budgetMs: task.budgetMs, whole }, [raw.buffer]);
    });
  }

  /** Starts the thread now, so that it compiles the rules before the first message rather than while that message waits. */
  prepare(): void {
    this.worker ??= this.start();
  }

  /** Stops the thread (pending messages are answered as not checked). */
  async close(): Promise<void> {
    const w = this.worker;
    this.stop();
    if (w) await w.terminate();
  }

  private start(): Worker {
    // a small young generation: the thread's garbage is a message's strings, and the default
    // (sized for a main thread) held ~30 MB more of the process's memory for no measurable gain
    const w = new Worker(THREAD_MAIN, { workerData: { dirs: this.opts.dirs }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    this.excludeSent = undefined;
    this.started++;
    w.unref(); // the thread never keeps the process alive
    w.on('message', (m: Answer) => {
      const resolve = this.pending.get(m.id);
      if (!resolve) return;
      this.pending.delete(m.id);
      this.headSince = Date.now();
      const r = m.result ?? m.whole?.sa;
      if (r) this.bayesRules = r.bayesRules;
      resolve(m.result || m.whole ? m : null);
    });
    const lost = () => {
      if (this.worker === w) this.stop();
    };
    w.on('error', lost);
    w.on('exit', lost);
    this.worker = w;
    const timeout = this.opts.timeoutMs ?? DEFAULT_SA_TIMEOUT_MS;
    this.watchdog = setInterval(() => {
      if (this.pending.size && Date.now() - this.headSince > timeout) {
        void w.terminate();
        this.stop();
      }
    }, Math.min(1000, Math.max(50, timeout / 4)));
    this.watchdog.unref();
    return w;
  }

  /** Forgets the thread; what it had not answered is answered as not checked. */
  private stop(): void {
    clearInterval(this.watchdog);
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of pending) resolve(null);
  }
}

let shared: SaWorker | undefined;

/**
 * The process's rule thread, or null when MAILHOST_SA_THREAD is 0 (the rules then run in the
 * SMTP thread). One per process: the machine's other cores serve the database and the other
 * processes.
 */
export function sharedSaWorker(env: NodeJS.ProcessEnv = process.env): SaWorker | null {
  const raw = env.MAILHOST_SA_THREAD;
  if (raw !== undefined && raw !== '' && raw !== '0' && raw !== '1') throw invalid('MAILHOST_SA_THREAD', `MAILHOST_SA_THREAD must be 1 (rules in their own thread) or 0 (in the SMTP thread), got "${raw}"`);
  if (raw === '0') return null;
  return (shared ??= new SaWorker());
}
