// Requests for one kind of read, merged into fewer statements when they pile up: at most
// `inFlight` statements run at once; a request that arrives while they all run waits for the
// next one, which takes every waiting request (up to `maxBatch`). With no load a request goes
// out at once and alone, so it waits for nothing; under load the statements grow instead of
// queueing for the connection pool (each one costs the database and the client a round trip
// whatever it carries).
import { withTimeout } from './db';

export interface CoalesceOptions {
  /** statements running at once (>= 1) */
  inFlight: number;
  /** requests merged into one statement at most (>= 1) */
  maxBatch: number;
  /**
   * a batch not answered by then fails, and its place goes to the next one: a statement stuck on
   * a dead connection must not hold up every later request (the late answer is ignored)
   */
  timeoutMs?: number;
  /** a request still waiting for a place after this long fails unsent (its caller has given up on it) */
  maxWaitMs?: number;
}

/**
 * `run` answers a batch of requests with one answer per request, in order. A failed `run` fails
 * every request of its batch; the next batch is tried afresh.
 */
export function coalesce<Req, Res>(run: (batch: Req[]) => Promise<Res[]>, opts: CoalesceOptions): (req: Req) => Promise<Res> {
  if (!(opts.inFlight >= 1) || !(opts.maxBatch >= 1)) throw new Error(`coalesce needs inFlight and maxBatch >= 1, got ${opts.inFlight} and ${opts.maxBatch}`);
  interface Waiting { req: Req; since: number; resolve(r: Res): void; reject(e: unknown): void }
  let waiting: Waiting[] = [];
  let running = 0;

  const start = (): void => {
    if (opts.maxWaitMs && waiting.length) expire(Date.now() - opts.maxWaitMs);
    while (running < opts.inFlight && waiting.length) {
      const batch = waiting.length <= opts.maxBatch ? waiting : waiting.slice(0, opts.maxBatch);
      waiting = batch === waiting ? [] : waiting.slice(opts.maxBatch);
      running++;
      send(batch);
    }
  };

  // the oldest first: the queue is in arrival order
  const expire = (before: number): void => {
    let n = 0;
    while (n < waiting.length && waiting[n].since < before) n++;
    if (!n) return;
    const err = new Error(`no statement free within ${opts.maxWaitMs} ms`);
    for (const w of waiting.splice(0, n)) w.reject(err);
  };

  // the batch's place is given back once, when it answers, fails or times out (a late answer
  // after the timeout is ignored: the race is already settled)
  const send = (batch: Waiting[]): void => {
    let answers: Promise<Res[]>;
    try {
      answers = run(batch.map((w) => w.req));
    } catch (err) {
      answers = Promise.reject(err);
    }
    (opts.timeoutMs ? withTimeout(answers, opts.timeoutMs, 'statement') : answers)
      .then((res) => {
        if (res.length !== batch.length) throw new Error(`coalesce: ${res.length} answers for ${batch.length} requests`);
        batch.forEach((w, i) => w.resolve(res[i]));
      })
      .catch((err) => batch.forEach((w) => w.reject(err)))
      .finally(() => {
        running--;
        start();
      });
  };

  return (req) =>
    new Promise<Res>((resolve, reject) => {
      waiting.push({ req, since: Date.now(), resolve, reject });
      start();
    });
}
