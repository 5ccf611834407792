// One mailhost per data directory and per set of ports. `npm start` takes a lock file in the
// data dir (our pid and start time, written whole and linked into place so that of two starts
// at once exactly one wins) and checks that the SMTP and HTTP ports are free before it spawns
// anything: a second start fails with a clear message and leaves the first one untouched.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class InstanceError extends Error {}

export const LOCK_FILE = 'mailhost.pid';

/** The kernel's start time of a process (/proc/PID/stat field 22): tells a live owner from a reused pid. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: count from its closing ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner recorded in a lock file, when that process still runs (same pid and start time). */
function liveOwner(content: string): number | undefined {
  const [pidText, started] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  const now = startTime(pid);
  return now === undefined || !started || now === started ? pid : undefined;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

export interface InstanceLock {
  file: string;
  /** Removes the lock file if it is still ours (safe to call more than once, and from process 'exit'). */
  release(): void;
}

/** Takes the data dir's lock for this process, or throws InstanceError naming the running owner. */
export function acquireInstanceLock(dataDir: string): InstanceLock {
  const file = path.join(dataDir, LOCK_FILE);
  const mine = `${process.pid} ${startTime(process.pid) ?? ''}\n`;
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, mine);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(tmp, file); // atomic: fails if any lock exists, and the content is complete
        return {
          file,
          release() {
            if (readOr(file, '') === mine) fs.rmSync(file, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = readOr(file, '');
      const owner = liveOwner(seen);
      if (owner !== undefined) {
        throw new InstanceError(`mailhost is already running with data directory ${dataDir} (pid ${owner}; lock file ${file})`);
      }
      // stale (its process is gone): move it aside, then check we moved what we judged stale
      // and not the lock of a start that broke it just before us; if so, put that one back
      const aside = `${file}.stale.${process.pid}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readOr(aside, '');
      if (moved !== seen) {
        try {
          fs.linkSync(aside, file);
        } catch {
          /* a third start holds it now; the next attempt sees it */
        }
      }
      fs.rmSync(aside, { force: true });
    }
    throw new InstanceError(`cannot take the lock file ${file}: other starts keep racing for it`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface NamedPort {
  name: string;
  host: string;
  port: number;
}

function bindable(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

/** Throws InstanceError when one of the ports cannot be bound now (in use, or not ours to bind). */
export async function assertPortsFree(ports: NamedPort[]): Promise<void> {
  for (const p of ports) {
    const err = await bindable(p.host, p.port);
    if (!err) continue;
    const why = err.code === 'EADDRINUSE' ? 'is already in use (another mailhost or mail server?)' : `cannot be used (${err.code ?? err.message})`;
    throw new InstanceError(`${p.name} address ${p.host}:${p.port} ${why}`);
  }
}
