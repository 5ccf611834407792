// Starts real Haraka (our plugins, our config) on a free loopback port for end-to-end tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { prepareHarakaDir, harakaCommand, waitForBanner, freePorts } from '../../lib/haraka';
import { loadSettings } from '../../lib/core';

export interface RunningHaraka {
  port: number;
  /** the submission listener (STARTTLS + AUTH) */
  submissionPort: number;
  /** the implicit-TLS submission listener */
  submissionTlsPort: number;
  dir: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  db: string;
  dataDir?: string;
  relay?: string; // host:port of the loopback sink
  env?: NodeJS.ProcessEnv;
  plugins?: string[];
  configFiles?: Record<string, string>;
  nodes?: number;
}

export async function startHaraka(opts: StartOptions): Promise<RunningHaraka> {
  const [port, submissionPort, submissionTlsPort] = await freePorts(3);
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-data-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MAILHOST_DB: opts.db,
    MAILHOST_DATA: dataDir,
    MAILHOST_SMTP_LISTEN: `127.0.0.1:${port}`,
    MAILHOST_SUBMISSION_LISTEN: `127.0.0.1:${submissionPort}`,
    MAILHOST_SUBMISSION_TLS_LISTEN: `127.0.0.1:${submissionTlsPort}`,
    MAILHOST_SMTP_NODES: String(opts.nodes ?? 0),
    ...(opts.relay ? { MAILHOST_RELAY: opts.relay } : {}),
    ...opts.env,
  };
  if (!opts.relay) delete env.MAILHOST_RELAY;
  const settings = loadSettings(env);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-haraka-'));
  prepareHarakaDir({ dir, settings, plugins: opts.plugins, configFiles: { 'log.ini': '[main]\nlevel=info\n', ...opts.configFiles } });
  const { command, args } = harakaCommand(dir);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-200000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-200000)));
  const log = () => output;
  await waitForBanner(port, child, log);
  return {
    port,
    submissionPort,
    submissionTlsPort,
    dir,
    dataDir,
    env,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
