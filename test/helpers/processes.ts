// Process-tree helpers for tests that start real mailhost processes: wait for a condition,
// list a process's descendants (from /proc), tell if anything still runs or listens.
import fs from 'node:fs';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';

/** Polls `check` until it returns a value other than undefined/false; fails with `what` after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function alive(pid: number): boolean {
  try {
    // a zombie (exited, not yet reaped) counts as gone
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Every live descendant of `pid` (children, their children, ...). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const p of allPids()) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(p, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p && !out.includes(child)) (out.push(child), walk(child));
  };
  walk(pid);
  return out.filter(alive);
}

/** Live processes whose command line contains `text` (e.g. a test's data directory). */
export function processesMentioning(text: string): number[] {
  return allPids().filter((p) => {
    if (p === process.pid) return false;
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text) && alive(p);
    } catch {
      return false;
    }
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** The first line a TCP server sends (an SMTP banner). */
export function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\n')) (s.end(), resolve(got.split('\r\n')[0]));
    });
    s.once('error', reject);
  });
}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts a node script with the env, collecting its stdout and stderr together. */
export function spawnNode(script: string, env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** SIGKILLs a process and all its descendants (test cleanup). */
export function killTree(pid: number | undefined): void {
  if (!pid) return;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
