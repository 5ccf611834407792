// Debian's Dovecot started by a test on loopback ports, with the configuration written by
// `mailhost dovecot config`. Dovecot never accesses mail as root, so the data dir (and a SQLite
// database) is given to Debian's `mail` user first, as an install would have it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePorts } from '../../lib/haraka';
import { waitUntil } from './e2e';
import net from 'node:net';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
export const MAIL_USER = 'mail';

/** Why Dovecot tests cannot run here, or undefined when they can. */
export function dovecotUnavailable(): string | undefined {
  if (!fs.existsSync(DOVECOT_BIN)) return `${DOVECOT_BIN} is absent (apt-get install dovecot-imapd dovecot-lmtpd dovecot-sqlite dovecot-mysql dovecot-sieve)`;
  if (process.getuid?.() !== 0) return 'the Dovecot tests run as root (Dovecot switches to the mail user)';
  return undefined;
}

/** For a describe's before(): skips the whole block, saying why, when Dovecot cannot run. */
export function skipWithoutDovecot(ctx: Mocha.Context): void {
  const why = dovecotUnavailable();
  if (!why) return;
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

/** chown -R to the mail user: the data dir, and the directory of a SQLite database. */
export function giveToMailUser(...paths: string[]): void {
  const r = spawnSync('chown', ['-R', `${MAIL_USER}:${MAIL_USER}`, ...paths], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown: ${r.stderr}`);
}

export interface RunningDovecot {
  dir: string;
  conf: string;
  imapPort: number;
  lmtpPort: number;
  /** doveadm -c conf ...args */
  doveadm(...args: string[]): { code: number; out: string };
  log(): string;
  /** starts it again with the same configuration and ports */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves once something answers `expect` on 127.0.0.1:port. */
async function answers(port: number, expect: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith(expect));
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * Writes the configuration with `cli` (the stack's `mailhost`) into a fresh directory and starts
 * Dovecot in the foreground from it.
 */
export async function startDovecot(cli: (...argv: string[]) => Promise<string>): Promise<RunningDovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-dovecot-'));
  const [imapPort, lmtpPort] = await freePorts(2);
  await cli('dovecot', 'config', '--out', dir, '--imap-listen', `127.0.0.1:${imapPort}`, '--lmtp-listen', `127.0.0.1:${lmtpPort}`);
  const conf = path.join(dir, 'dovecot.conf');
  const logFile = path.join(dir, 'log', 'dovecot.log');
  let child: ChildProcess | undefined;
  let output = '';
  const log = () => output + (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const running: RunningDovecot = {
    dir,
    conf,
    imapPort,
    lmtpPort,
    log,
    doveadm(...args) {
      const r = spawnSync('doveadm', ['-c', conf, ...args], { encoding: 'utf8' });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    },
    async start() {
      const c = spawn(DOVECOT_BIN, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d) => (output += d));
      c.stderr!.on('data', (d) => (output += d));
      await waitUntil(async () => {
        if (c.exitCode !== null) throw new Error(`dovecot exited (${c.exitCode}):\n${log().slice(-3000)}`);
        return (await answers(imapPort, '* OK')) && (await answers(lmtpPort, '220')) ? true : undefined;
      }, 30000, 'Dovecot to answer on IMAP and LMTP');
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
  await running.start();
  return running;
}

/**
 * startDovecot() for this describe block's stack in a before() (registered after the stack's,
 * so it runs once the stack is up), stopped and removed in after(); its log is printed after a
 * failed test. The object returned is filled in by before().
 */
export function useDovecot(stack: { cli(...argv: string[]): Promise<string> }): RunningDovecot {
  const live = {} as RunningDovecot;
  let running: RunningDovecot | undefined;
  before(async () => {
    running = await startDovecot((...argv) => stack.cli(...argv));
    Object.assign(live, running);
  });
  after(async () => {
    await running?.stop();
    if (running) fs.rmSync(running.dir, { recursive: true, force: true });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && running) console.log(running.log().slice(-6000));
  });
  return live;
}
