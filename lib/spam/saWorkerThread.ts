// The rule thread of saWorker.ts: compiles the rule set once, then parses and checks each raw
// message it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSaRules, runSa } from './saengine';
import { parseForScoring } from './parse';

const dirs = (workerData as { dirs?: string[] } | null)?.dirs;
const set = dirs ? loadSaRules(dirs) : loadSaRules();

interface Task {
  id: number;
  raw: Uint8Array;
  bayes?: number;
  budgetMs?: number;
}

let exclude = new Set<string>();

parentPort!.on('message', (t: Task | { exclude: string[] }) => {
  if ('exclude' in t) {
    exclude = new Set(t.exclude);
    return;
  }
  try {
    const msg = parseForScoring(Buffer.from(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength));
    const r = runSa(msg, set, { bayes: t.bayes, budgetMs: t.budgetMs, exclude });
    // what scoring uses: the descriptions stay here
    const hits = r.hits.map((h) => ({ rule: h.rule, points: h.points }));
    parentPort!.postMessage({ id: t.id, result: { ...r, hits, bayesRules: set.bayesRules } });
  } catch (err) {
    parentPort!.postMessage({ id: t.id, error: (err as Error).message });
  }
});
