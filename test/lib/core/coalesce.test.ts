// Lookups that pile up go out together: never more than `inFlight` batches at once, never more
// than `maxBatch` requests in one, each request answered with its own answer, and a failure
// fails only the batch it happened in.
import assert from 'node:assert/strict';
import { coalesce } from '../../../lib/core';

/** A run() whose batches stay open until released, recording what it was given. */
function gatedRun() {
  const batches: number[][] = [];
  const open: { release(fail?: Error): void }[] = [];
  let running = 0;
  let most = 0;
  const run = (batch: number[]) => {
    batches.push(batch);
    running++;
    most = Math.max(most, running);
    return new Promise<string[]>((resolve, reject) => {
      open.push({
        release(fail?: Error) {
          running--;
          if (fail) reject(fail);
          else resolve(batch.map((n) => `answer ${n}`));
        },
      });
    });
  };
  return { run, batches, open, most: () => most };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('coalesce', () => {
  it('sends a lone request at once, alone', async () => {
    const g = gatedRun();
    const ask = coalesce(g.run, { inFlight: 2, maxBatch: 8 });
    const p = ask(1);
    assert.deepEqual(g.batches, [[1]]);
    g.open[0].release();
    assert.equal(await p, 'answer 1');
  });

  it('merges the requests that arrive while every statement runs, up to maxBatch, never more than inFlight at once', async () => {
    const g = gatedRun();
    const ask = coalesce(g.run, { inFlight: 2, maxBatch: 3 });
    const answers = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ask(n));
    // 1 and 2 went out alone; the seven others wait
    assert.deepEqual(g.batches, [[1], [2]]);
    g.open[0].release();
    await tick();
    assert.deepEqual(g.batches[2], [3, 4, 5]);
    g.open[1].release();
    await tick();
    assert.deepEqual(g.batches[3], [6, 7, 8]);
    g.open[2].release();
    await tick();
    assert.deepEqual(g.batches[4], [9]);
    g.open[3].release();
    g.open[4].release();
    assert.deepEqual(await Promise.all(answers), [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `answer ${n}`));
    assert.equal(g.most(), 2);
  });

  it('fails only the requests of a failed batch; the next batch is tried afresh', async () => {
    const g = gatedRun();
    const ask = coalesce(g.run, { inFlight: 1, maxBatch: 10 });
    const first = ask(1);
    const second = [ask(2), ask(3)];
    g.open[0].release(new Error('connection lost'));
    await assert.rejects(first, /connection lost/);
    await tick();
    assert.deepEqual(g.batches[1], [2, 3]);
    g.open[1].release();
    assert.deepEqual(await Promise.all(second), ['answer 2', 'answer 3']);
  });

  it('fails a batch whose run throws at once or answers the wrong number of requests', async () => {
    const throwing = coalesce<number, string>(() => {
      throw new Error('bad statement');
    }, { inFlight: 1, maxBatch: 4 });
    await assert.rejects(throwing(1), /bad statement/);
    const short = coalesce<number, string>(async () => [], { inFlight: 1, maxBatch: 4 });
    await assert.rejects(short(1), /0 answers for 1 requests/);
    assert.equal(await throwing(2).catch(() => 'failed again, still answering'), 'failed again, still answering');
  });

  it('fails a batch that does not answer in time and lets the next one go (its late answer ignored)', async () => {
    const g = gatedRun();
    const ask = coalesce(g.run, { inFlight: 1, maxBatch: 4, timeoutMs: 30 });
    const stuck = ask(1);
    const queued = ask(2);
    assert.deepEqual(g.batches, [[1]]);
    await assert.rejects(stuck, /statement timed out after 30 ms/);
    await tick();
    assert.deepEqual(g.batches[1], [2]); // went without waiting for the stuck one
    g.open[1].release();
    assert.equal(await queued, 'answer 2');
    g.open[0].release(); // the stuck statement answers at last: nothing happens
    await tick();
    const later = ask(3);
    assert.deepEqual(g.batches[2], [3]); // and the slot count did not go wrong: one at a time still
    const after = ask(4);
    assert.equal(g.batches.length, 3);
    g.open[2].release();
    assert.equal(await later, 'answer 3');
    await tick();
    g.open[3].release();
    assert.equal(await after, 'answer 4');
  });

  it('fails unsent a request that waited past the timeout (its caller gave up on it)', async () => {
    const g = gatedRun();
    const ask = coalesce(g.run, { inFlight: 1, maxBatch: 1, timeoutMs: 40, maxWaitMs: 60 });
    const asked = [1, 2, 3].map((n) => ask(n).then(() => 'answered', (e: Error) => e.message));
    // 1 is stuck until 40 ms, then 2 (sent at once, having waited 40) until 80 ms: by then 3 has waited too long
    const outcomes = await Promise.all(asked);
    assert.deepEqual(outcomes, ['statement timed out after 40 ms', 'statement timed out after 40 ms', 'no statement free within 60 ms']);
    assert.deepEqual(g.batches, [[1], [2]]);
    const fresh = ask(4); // and the place is free again
    assert.deepEqual(g.batches[2], [4]);
    g.open[2].release();
    assert.equal(await fresh, 'answer 4');
  });

  it('refuses limits below one', () => {
    assert.throws(() => coalesce(async () => [], { inFlight: 0, maxBatch: 1 }), />= 1/);
    assert.throws(() => coalesce(async () => [], { inFlight: 1, maxBatch: 0 }), />= 1/);
  });
});
