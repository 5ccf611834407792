// The rule thread of saWorker.ts: compiles the rule set once, then parses and checks each raw
// message it is sent, one at a time. For whole() it also runs the data-file rules and computes
// the Bayes token ids and the message hash, so the SMTP thread never parses the message.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSaRules, runSa } from './saengine';
import { parseForScoring, messageHash } from './parse';
import { loadRules, runRules } from './rules';
import { tokenIds } from './bayes';

const dirs = (workerData as { dirs?: string[] } | null)?.dirs;
const set = dirs ? loadSaRules(dirs) : loadSaRules();

interface Task {
  id: number;
  raw: Uint8Array;
  bayes?: number;
  budgetMs?: number;
  /** also the data-file rules, the Bayes token ids and the message hash (saWorker whole()) */
  whole?: boolean;
}

let exclude = new Set<string>();

parentPort!.on('message', (t: Task | { exclude: string[] }) => {
  if ('exclude' in t) {
    exclude = new Set(t.exclude);
    return;
  }
  try {
    const msg = parseForScoring(Buffer.from(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength));
    if (t.whole) {
      // without Bayes when the bands can be scored after the pass; else no pass yet (it needs the probability)
      const r = set.bayesBands ? runSa(msg, set, { budgetMs: t.budgetMs, exclude, bothScores: true }) : null;
      const sa = r && { ...r, hits: r.hits.map((h) => ({ rule: h.rule, points: h.points, points2: h.points2 })), bayesRules: set.bayesRules };
      const whole = { sa, bands: set.bayesBands, data: runRules(msg, loadRules()), ids: tokenIds(msg), hash: messageHash(msg), from: msg.from, limits: msg.limits };
      parentPort!.postMessage({ id: t.id, whole });
      return;
    }
    const r = runSa(msg, set, { bayes: t.bayes, budgetMs: t.budgetMs, exclude });
    // what scoring uses: the descriptions stay here
    const hits = r.hits.map((h) => ({ rule: h.rule, points: h.points }));
    parentPort!.postMessage({ id: t.id, result: { ...r, hits, bayesRules: set.bayesRules } });
  } catch (err) {
    parentPort!.postMessage({ id: t.id, error: (err as Error).message });
  }
});
