// CPU accounting for bench/mta.ts from /proc (Linux; elsewhere every figure is NaN): how much
// CPU the Haraka under test, the database server and the whole machine used during a run, so
// the report can say whether a setup is CPU-bound and where the CPU goes.
import fs from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux we run on (getconf CLK_TCK)
const hasProc = fs.existsSync('/proc/self/stat');

function stat(pid: number): string[] | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces: fields after it start past the last ')'
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** user+system CPU of one process, ms (fields 14 and 15 of /proc/<pid>/stat). */
function processCpuMs(pid: number): number {
  const f = stat(pid);
  return f ? (Number(f[11]) + Number(f[12])) * TICK_MS : 0;
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

/** CPU of a process and its direct children (Haraka's cluster workers when nodes >= 1), ms. */
export function treeCpuMs(root: number): number {
  if (!hasProc) return NaN;
  let total = processCpuMs(root);
  for (const pid of allPids()) {
    const f = stat(pid);
    if (f && Number(f[1]) === root) total += processCpuMs(pid);
  }
  return total;
}

/** Processes whose command name is one of `names` (e.g. the local mariadbd). */
export function findPids(names: string[]): number[] {
  if (!hasProc) return [];
  return allPids().filter((pid) => {
    try {
      return names.includes(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    } catch {
      return false;
    }
  });
}

export function pidsCpuMs(pids: number[]): number {
  if (!hasProc || !pids.length) return NaN;
  return pids.reduce((n, pid) => n + processCpuMs(pid), 0);
}

/** Busy CPU of the whole machine (all cores, all processes, incl. irq), ms. */
export function machineBusyMs(): number {
  if (!hasProc) return NaN;
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq] = line.split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) * TICK_MS;
}

/** A short name for a process: its command, or for node the script it runs (tsc, mocha, ...). */
function label(pid: number, comm: string): string {
  if (comm !== 'node' && comm !== 'MainThread') return comm;
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const rest = args.slice(1);
    const script = rest.find((a) => /\.[cm]?js$|\/bin\//.test(a)) ?? rest.find((a) => !a.startsWith('-'));
    return script ? `node ${script.split('/').pop()}` : 'node';
  } catch {
    return comm;
  }
}

export type Snapshot = Map<number, { label: string; ms: number }>;

/** CPU of every process on the machine so far, ms. */
export function snapshotAll(): Snapshot {
  const snap: Snapshot = new Map();
  if (!hasProc) return snap;
  for (const pid of allPids()) {
    const f = stat(pid);
    if (!f) continue;
    let comm = '?';
    try {
      comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      /* gone */
    }
    snap.set(pid, { label: label(pid, comm), ms: (Number(f[11]) + Number(f[12])) * TICK_MS });
  }
  return snap;
}

/** The biggest CPU users between two snapshots, by label, leaving out `exclude` (and their children's labels are kept). */
export function topUsers(before: Snapshot, after: Snapshot, exclude: Set<number>, n = 3): { label: string; ms: number }[] {
  const by = new Map<string, number>();
  for (const [pid, a] of after) {
    if (exclude.has(pid)) continue;
    const d = a.ms - (before.get(pid)?.ms ?? 0);
    if (d > 0) by.set(a.label, (by.get(a.label) ?? 0) + d);
  }
  return [...by].sort((x, y) => y[1] - x[1]).slice(0, n).map(([label, ms]) => ({ label, ms }));
}

/** Resident memory of a process and its direct children (Haraka and its cluster workers), MB. */
export function treeRssMb(root: number): number {
  if (!hasProc) return NaN;
  const rss = (pid: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  let total = rss(root);
  for (const pid of allPids()) {
    const f = stat(pid);
    if (f && Number(f[1]) === root) total += rss(pid);
  }
  return total;
}
