// Starts real Haraka (our plugins, our config) on a free loopback port for end-to-end tests.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { prepareHarakaDir, harakaCommand } from '../../lib/harakaDir';
import { loadSettings } from '../../lib/settings';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningHaraka {
  port: number;
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

async function waitForBanner(port: number, child: ChildProcess, log: () => string, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Haraka exited (${child.exitCode}):\n${log().slice(-3000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.end();
        resolve(d.toString().startsWith('220'));
      });
      s.once('error', () => resolve(false));
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`Haraka did not answer on ${port}:\n${log().slice(-3000)}`);
}

export async function startHaraka(opts: StartOptions): Promise<RunningHaraka> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-data-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MAILHOST_DB: opts.db,
    MAILHOST_DATA: dataDir,
    MAILHOST_SMTP_LISTEN: `127.0.0.1:${port}`,
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
