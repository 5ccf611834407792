// `npm start`: one mailhost per data directory. Takes the data dir's lock and checks the SMTP
// and HTTP ports are free (a second start fails clearly and leaves the first untouched), migrates,
// then supervises two children: Haraka and the admin (admin/main.ts). Neither outlives the
// launcher: each holds an IPC channel to it and stops when that closes, even when the launcher
// is SIGKILLed. If Haraka dies, the admin is stopped and we exit non-zero (a service manager
// restarts the whole); if the admin crashes, it is restarted, with growing delays while it keeps
// failing, and Haraka keeps serving mail meanwhile. Ctrl-C / SIGTERM stops both.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { loadSettings, srsSecret, openDb, migrateLatest, type Settings } from '../lib/core';
import { prepareHarakaDir, harakaCommand, waitForBanner, acquireInstanceLock, assertPortsFree } from '../lib/haraka';
import type { AdminReady } from '../admin/main';

const ADMIN_MAIN = path.join(__dirname, '..', 'admin', 'main.js');
const ADMIN_RESTART_FIRST_MS = 1000; // doubled after each failed restart, up to the cap
const ADMIN_RESTART_MAX_MS = 60_000;
const ADMIN_STABLE_MS = 60_000; // an admin that ran this long before crashing starts the delays afresh
const STOP_GRACE_MS = 10_000; // then SIGKILL

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve()); // never started
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (!pid) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

/** Where to knock for Haraka's banner: the listen address, or loopback for a wildcard one. */
function bannerHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

class Launcher {
  private haraka?: ChildProcess;
  private admin?: ChildProcess;
  private adminRestartDelay = ADMIN_RESTART_FIRST_MS;
  private adminReadyAt = 0;
  private stopped?: Promise<void>;

  constructor(
    private readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
    private readonly releaseLock: () => void,
  ) {}

  get stopping(): boolean {
    return this.stopped !== undefined;
  }

  /** Haraka in its own process group (the launcher stops it and its workers as one). */
  async startHaraka(dir: string): Promise<void> {
    const { command, args } = harakaCommand(dir, { exitWithParent: true });
    const child = spawn(command, args, { env: this.env, stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true });
    this.haraka = child;
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      console.error(`mailhost: Haraka exited (${signal ?? code}); stopping the admin`);
      void this.stop(1);
    });
    const { host, port } = this.settings.smtpListen;
    await waitForBanner(port, child, () => '', 60_000, bannerHost(host));
  }

  /** Forks the admin; resolves with its URL once it listens, rejects if it exits before. */
  startAdmin(): Promise<string> {
    const child = fork(ADMIN_MAIN, [], { env: this.env, stdio: 'inherit' });
    this.admin = child;
    let ready = false;
    return new Promise((resolve, reject) => {
      child.on('message', (msg: Partial<AdminReady>) => {
        if (typeof msg?.ready !== 'string') return;
        ready = true;
        this.adminReadyAt = Date.now();
        resolve(msg.ready);
      });
      child.on('exit', (code, signal) => {
        if (!ready) reject(new Error(`the admin exited (${signal ?? code}) before listening`));
        else if (!this.stopping) this.adminExited(code, signal);
      });
    });
  }

  /** The admin stopped after it had listened: a clean exit stops everything, a crash restarts it. */
  private adminExited(code: number | null, signal: NodeJS.Signals | null): void {
    if (code === 0) {
      console.error('mailhost: the admin stopped; stopping Haraka');
      void this.stop(0);
      return;
    }
    if (Date.now() - this.adminReadyAt >= ADMIN_STABLE_MS) this.adminRestartDelay = ADMIN_RESTART_FIRST_MS;
    this.restartAdmin(`the admin crashed (${signal ?? code})`);
  }

  /**
   * Restarts the admin after a delay that doubles while it keeps failing (crash loop, database
   * or port unavailable), capped at a minute. It never stops Haraka: mail keeps flowing while
   * the admin is away, and the log says why and when the next try comes.
   */
  private restartAdmin(why: string): void {
    const delay = this.adminRestartDelay;
    this.adminRestartDelay = Math.min(delay * 2, ADMIN_RESTART_MAX_MS);
    console.error(`mailhost: ${why}; restarting it in ${delay / 1000}s (SMTP keeps running)`);
    setTimeout(() => {
      if (this.stopping) return;
      this.startAdmin().then(
        (url) => console.log(`mailhost: admin back on ${url}`),
        (err: Error) => {
          if (!this.stopping) this.restartAdmin(`cannot restart the admin: ${err.message}`);
        },
      );
    }, delay);
  }

  /** Stops both children (SIGTERM, then SIGKILL after a grace period), releases the lock, exits. */
  stop(code: number): Promise<void> {
    this.stopped ??= (async () => {
      const haraka = this.haraka;
      const admin = this.admin;
      signalGroup(haraka?.pid, 'SIGTERM');
      if (admin && admin.exitCode === null && admin.signalCode === null) admin.kill('SIGTERM');
      const killer = setTimeout(() => {
        signalGroup(haraka?.pid, 'SIGKILL');
        admin?.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await Promise.all([haraka ? exited(haraka) : undefined, admin ? exited(admin) : undefined]);
      // Haraka's workers leave when their master does; wait for the group to empty (bounded:
      // exited workers that nobody reaps, e.g. under a pid 1 that does not reap, still count)
      const deadline = Date.now() + STOP_GRACE_MS + 2000;
      while (signalGroup(haraka?.pid, 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      clearTimeout(killer);
      this.releaseLock();
      process.exit(code);
    })();
    return this.stopped;
  }
}

async function main(): Promise<void> {
  const settings = loadSettings();
  fs.mkdirSync(settings.dataDir, { recursive: true });
  const lock = acquireInstanceLock(settings.dataDir);
  process.on('exit', () => lock.release());
  const env = { ...process.env, MAILHOST_DB: settings.db, MAILHOST_DATA: settings.dataDir };
  const launcher = new Launcher(settings, env, () => lock.release());
  process.on('SIGINT', () => void launcher.stop(0));
  process.on('SIGTERM', () => void launcher.stop(0));
  try {
    await assertPortsFree([
      { name: 'SMTP', ...settings.smtpListen },
      { name: 'HTTP', ...settings.httpListen },
      ...(settings.submissionListen ? [{ name: 'submission', ...settings.submissionListen }] : []),
      ...(settings.submissionTlsListen ? [{ name: 'submission (TLS)', ...settings.submissionTlsListen }] : []),
    ]);
    const db = openDb(settings.db);
    try {
      await migrateLatest(db);
    } finally {
      await db.destroy();
    }
    srsSecret(settings); // generate it once here rather than racing in several workers
    const dir = prepareHarakaDir({ dir: path.join(settings.dataDir, 'haraka'), settings });
    console.log(`mailhost: starting Haraka on ${settings.smtpListen.host}:${settings.smtpListen.port} (Haraka dir ${dir}, data ${settings.dataDir})`);
    // the admin prints the generated password of the first admin account once, and its URL
    const [url] = await Promise.all([launcher.startAdmin(), launcher.startHaraka(dir)]);
    const submission = [settings.submissionListen, settings.submissionTlsListen].filter((l) => !!l).map((l) => `${l!.host}:${l!.port}`);
    console.log(`mailhost: ready (SMTP ${settings.smtpListen.host}:${settings.smtpListen.port}${submission.length ? `, submission ${submission.join(' and ')}` : ''}, admin ${url})`);
  } catch (err) {
    if (launcher.stopping) return;
    console.error(`mailhost: cannot start: ${(err as Error).message}`);
    await launcher.stop(1);
  }
}

main().catch((err: Error) => {
  console.error(`mailhost: cannot start: ${err.message}`);
  process.exit(1);
});
