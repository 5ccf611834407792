// Builds the Haraka directory a node runs from: the repository's config/ with the listen
// address, process count and queue location taken from our settings, and links to the
// plugins and their compiled code. `haraka -c <repo>` works too; this adds env-driven settings.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { SettingsError, type Settings, type HostPort } from '../core';
import { ensureTlsFiles, tlsIni } from './tls';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface HarakaDirOptions {
  dir: string;
  settings: Settings;
  /** extra or replaced config files: name -> content (e.g. { 'log.ini': '[main]\nlevel=warn\n' }) */
  configFiles?: Record<string, string>;
  /** replaces config/plugins */
  plugins?: string[];
}

function setIni(text: string, section: string, values: Record<string, string | number>): string {
  // small ini edit: drop existing keys of `section`, append ours under it
  const lines = text.split('\n');
  const out: string[] = [];
  let current = 'main';
  for (const line of lines) {
    const s = /^\s*\[([^\]]+)\]/.exec(line);
    if (s) current = s[1];
    const k = /^\s*([\w.]+)\s*=/.exec(line);
    if (current === section && k && k[1] in values) continue;
    out.push(line);
  }
  const block = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  if (section === 'main') return [...block, ...out].join('\n');
  return [...out, `[${section}]`, ...block, ''].join('\n');
}

function link(target: string, at: string): void {
  try {
    if (fs.readlinkSync(at) === target) return;
    fs.unlinkSync(at);
  } catch {
    /* not a link yet */
  }
  fs.symlinkSync(target, at);
}

const hostPort = (a: HostPort) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/**
 * smtp.ini [main]: one Haraka listens on the MX address and the submission addresses with one
 * plugin chain (mailhost.auth tells them apart by local port); Haraka speaks implicit TLS on
 * the port named smtps_port, so that is the submission TLS port (or none: port 0).
 */
function listenSettings(settings: Settings): Record<string, string | number> {
  const all = [settings.smtpListen, settings.submissionListen, settings.submissionTlsListen].filter((a): a is HostPort => !!a);
  const ports = all.map((a) => a.port);
  if (new Set(ports).size !== ports.length) throw new SettingsError(`the SMTP and submission listeners need distinct ports (${ports.join(', ')})`);
  return { listen: all.map(hostPort).join(','), nodes: settings.smtpNodes, smtps_port: settings.submissionTlsListen?.port ?? 0 };
}

export function prepareHarakaDir(opts: HarakaDirOptions): string {
  const { dir, settings } = opts;
  const config = path.join(dir, 'config');
  fs.mkdirSync(config, { recursive: true });
  const repoConfig = path.join(REPO_ROOT, 'config');
  for (const name of fs.readdirSync(repoConfig)) {
    const src = path.join(repoConfig, name);
    if (fs.statSync(src).isFile()) fs.copyFileSync(src, path.join(config, name));
  }
  const smtp = setIni(fs.readFileSync(path.join(config, 'smtp.ini'), 'utf8'), 'main', listenSettings(settings));
  fs.writeFileSync(path.join(config, 'smtp.ini'), smtp);
  fs.writeFileSync(path.join(config, 'tls.ini'), tlsIni(ensureTlsFiles(settings)));
  fs.mkdirSync(path.join(settings.dataDir, 'queue'), { recursive: true });
  fs.writeFileSync(path.join(config, 'queue_dir'), `${path.join(settings.dataDir, 'queue')}\n`);
  if (opts.plugins) fs.writeFileSync(path.join(config, 'plugins'), `${opts.plugins.join('\n')}\n`);
  for (const [name, content] of Object.entries(opts.configFiles ?? {})) fs.writeFileSync(path.join(config, name), content);
  for (const name of ['plugins', 'dist', 'node_modules']) link(path.join(REPO_ROOT, name), path.join(dir, name));
  return dir;
}

/**
 * The command that runs Haraka from `dir`. With `exitWithParent`, Haraka stops when the process
 * that spawns it dies (spawn it with an 'ipc' stdio entry: see parentWatch.ts).
 */
export function harakaCommand(dir: string, opts: { exitWithParent?: boolean } = {}): { command: string; args: string[] } {
  const preload = opts.exitWithParent ? ['--require', path.join(__dirname, 'harakaParentWatch.js')] : [];
  return { command: process.execPath, args: [...HARAKA_NODE_FLAGS, ...preload, path.join(REPO_ROOT, 'node_modules', 'Haraka', 'bin', 'haraka'), '-c', dir] };
}

/**
 * V8's heap may grow to 1.5 times what survives a full collection, no more. Under sustained load
 * (c=100) its own choice let the old generation reach about 2.3 times the ~100 MB that lives:
 * the process held ~400 MB; at 2 times, ~290 MB at the same CPU per message (bench, 2 runs
 * each); at 1.5 times, a million mailboxes with 30,000 recipients cached: 351 -> 327 MB, with
 * no CPU cost per message visible beyond the runs' noise (one run each).
 * Unlike a heap cap (--max-old-space-size) it cannot make the process run out of memory.
 * The young generation's semi-spaces at 4 MB instead of V8's 16: most of what a message
 * allocates dies young at either size. Bench, alternating pairs: 16 -> 8 MB, c=100 RSS
 * 297 / 287 -> 278 / 271 MB; 8 -> 4 MB (five pairs), RSS 218-226 -> 196-211 MB at c=20 and
 * 246-251 -> 227-234 MB at c=100, a million mailboxes 300-302 -> 278-283 MB. The CPU per
 * message moved the other way at c=100 (median +0.15 ms: more of 100 messages in flight
 * survive a scavenge) and went down at c=20 (-0.05 to -0.3 ms). At 2 MB the scavenges cost
 * +0.2-0.3 ms per message at both levels for another 8 MB.
 * Cluster workers inherit them (cluster.fork passes the parent's node flags on).
 */
export const HARAKA_NODE_FLAGS = ['--heap-growing-percent=50', '--max-semi-space-size=4'];

/** Waits until a Haraka just started answers 220 on host:port (loopback by default); throws with the end of its output if it exits or times out. */
export async function waitForBanner(port: number, child: ChildProcess, output: () => string, ms = 30000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Haraka exited (${child.exitCode}):\n${output().slice(-3000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
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
  throw new Error(`Haraka did not answer on ${port}:\n${output().slice(-3000)}`);
}

/** A TCP port free on 127.0.0.1 right now (for a Haraka or a test sink started next). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/**
 * `n` distinct free loopback ports. Every one is held until all are found: ports asked for one
 * after the other may come back twice (seen in CI: the SMTP and submission listeners got the same).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((srv.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((srv) => new Promise<void>((resolve) => (srv.listening ? srv.close(() => resolve()) : resolve()))));
  }
}
