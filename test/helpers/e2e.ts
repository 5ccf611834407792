// The end-to-end mail stack, set up once for every e2e file: a fresh database, a data dir,
// the loopback smarthost (sink), optionally the clamd stand-in, and real Haraka with the
// plugins a file tests. Provisioning goes through the `mailhost` CLI, in-process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDb, type TestDb, type Engine } from './db';
import { startHaraka, type RunningHaraka } from './haraka';
import { startSink, type Sink, type Transcript } from './smtp';
import { startFakeClamd, clamdIni } from './clamd';
import { main } from '../../bin/cli';
import { maildirPath } from '../../lib/delivery';
import type { Db } from '../../lib/core';

export interface MailStackOptions {
  engine: Engine;
  /** Haraka's plugin chain (config/plugins) */
  plugins: string[];
  /** start the loopback smarthost and relay through it (default true) */
  sink?: boolean;
  /** start the clamd stand-in and point Haraka's clamd plugin at it */
  clamd?: boolean;
  /** Haraka worker processes (0: one process) */
  nodes?: number;
  /** migrate the fresh database (default true); false leaves it empty for Haraka to migrate */
  migrate?: boolean;
  /** start Haraka in before() (default true); false: the tests call startHaraka() themselves */
  haraka?: boolean;
  /** extra Haraka config files: name -> content (e.g. mailhost.ini) */
  configFiles?: Record<string, string>;
  /** runs after the database, data dir and CLI exist, before Haraka starts */
  provision?(stack: MailStack): Promise<void>;
}

export interface MailStack {
  t: TestDb;
  db: Db;
  dataDir: string;
  /** the environment the CLI runs with (MAILHOST_DB, MAILHOST_DATA) */
  env: NodeJS.ProcessEnv;
  /** the Haraka started last (by before() or startHaraka()) */
  haraka: RunningHaraka;
  sink: Sink;
  clamd: Awaited<ReturnType<typeof startFakeClamd>>;
  /** `mailhost ...` against this database; asserts exit 0 and returns what it printed */
  cli(...argv: string[]): Promise<string>;
  /** the files in new/ of a mailbox's Maildir, or of one of its folders ('' for the INBOX) */
  maildir(address: string, folder?: string, sub?: 'new' | 'tmp' | 'cur'): string[];
  /** starts Haraka on this stack (another database URL, e.g. through a proxy; other worker count) */
  startHaraka(opts?: { db?: string; nodes?: number; env?: NodeJS.ProcessEnv }): Promise<RunningHaraka>;
  stopHaraka(): Promise<void>;
  stop(): Promise<void>;
}

/** Polls `fn` until it gives something other than undefined; fails after `ms`. */
export async function waitUntil<T>(fn: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startMailStack(opts: MailStackOptions): Promise<MailStack> {
  const t = await createTestDb(opts.engine, { migrate: opts.migrate });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-e2e-'));
  const env: NodeJS.ProcessEnv = { MAILHOST_DB: t.url, MAILHOST_DATA: dataDir };
  const stack = { t, db: t.db, dataDir, env } as MailStack;
  let running: RunningHaraka | undefined;
  stack.cli = async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { env, out: (s) => out.push(s), err: (s) => err.push(s) });
    assert.equal(code, 0, `mailhost ${argv.join(' ')}: ${err.join(' ')}`);
    return out.join('\n');
  };
  stack.maildir = (address, folder = '', sub = 'new') => {
    const dir = path.join(maildirPath(dataDir, address), folder, sub);
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
  };
  stack.startHaraka = async (o = {}) => {
    running = await startHaraka({
      db: o.db ?? t.url,
      dataDir,
      relay: stack.sink ? `127.0.0.1:${stack.sink.port}` : undefined,
      plugins: opts.plugins,
      nodes: o.nodes ?? opts.nodes,
      env: o.env,
      configFiles: { ...(stack.clamd ? { 'clamd.ini': clamdIni(stack.clamd.port) } : {}), ...opts.configFiles },
    });
    stack.haraka = running;
    return running;
  };
  stack.stopHaraka = async () => {
    await running?.stop();
    running = undefined;
  };
  stack.stop = async () => {
    await stack.stopHaraka();
    await stack.sink?.close();
    await stack.clamd?.close();
    await t.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await opts.provision?.(stack);
    if (opts.clamd) stack.clamd = await startFakeClamd();
    if (opts.sink !== false) stack.sink = await startSink();
    if (opts.haraka !== false) await stack.startHaraka();
  } catch (e) {
    await stack.stop();
    throw e;
  }
  return stack;
}

/**
 * startMailStack() in this describe block's before(), stopped in its after(); Haraka's log
 * is printed after a failed test. The object returned is filled in by before().
 */
export function useMailStack(opts: MailStackOptions): MailStack {
  const live = {} as MailStack;
  let stack: MailStack | undefined;
  before(async function () {
    this.timeout(120000);
    // filled before provisioning too, so provision() may use the returned object
    const provision = async (s: MailStack) => {
      Object.assign(live, s);
      await opts.provision?.(s);
    };
    stack = await startMailStack({ ...opts, provision });
    Object.assign(live, stack);
  });
  after(async () => {
    await stack?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && live.haraka) console.log(live.haraka.log().slice(-6000));
  });
  return live;
}

/** Haraka's id for a transaction, from its 250 after DATA (asserts the 250). */
export function transactionId(tr: Transcript): string {
  assert.equal(tr.data?.code, 250, JSON.stringify(tr));
  const m = /\(([0-9A-F-]+\.\d+)\)/i.exec(tr.data!.text);
  assert.ok(m, tr.data!.text);
  return m[1];
}

/** The autoreply plugin's logged decision on one transaction: replies sent, and each (mailbox, reason) it held back. */
export async function autoreplyDecision(haraka: RunningHaraka, tr: Transcript): Promise<{ sent: number; held: { mailbox: string; reason: string }[] }> {
  const uuid = transactionId(tr).replace(/[.]/g, '\\.');
  const done = await waitUntil(() => new RegExp(`${uuid} autoreplies done: (\\d+) sent`).exec(haraka.log()) ?? undefined, 15000, `the autoreply decision for ${uuid}`);
  const held = [...haraka.log().matchAll(new RegExp(`${uuid} no reply from (\\S+) \\(autoreply \\S+\\): (\\w+)`, 'g'))].map((m) => ({ mailbox: m[1], reason: m[2] }));
  return { sent: Number(done[1]), held };
}
