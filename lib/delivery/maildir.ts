// Maildir delivery the safe way: write tmp/ synchronously (O_SYNC), rename into new/, fsync new/.
// Only after that is a copy "durably stored" and may the queue hook answer OK.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { appendMaildirSizeSync } from './maildirsize';

export const JUNK_FOLDER = '.Junk';

let counter = 0;

/** $DATA/mail/<domain>/<local>/Maildir - refuses anything that is not a safe path segment. */
export function maildirPath(dataDir: string, address: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  for (const seg of [local, domain]) {
    if (!seg || seg.startsWith('.') || /[/\\\0]/.test(seg)) throw new Error(`unsafe maildir path segment "${seg}"`);
  }
  return path.join(dataDir, 'mail', domain, local, 'Maildir');
}

// Dovecot never reads mail as root. When we run as root (Haraka started as root and not
// dropping privileges), what we create takes the owner of the directory it is created in, so
// Maildirs under a data dir owned by the mail user stay readable by Dovecot.
const asRoot = process.getuid?.() === 0;

/** mkdir -p; as root, every directory it created gets the owner of the first existing parent. */
async function mkdirOwned(dir: string): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  if (!asRoot || !first) return;
  const { uid, gid } = await fsp.stat(path.dirname(first));
  if (uid === 0) return;
  for (let d = dir; d.length >= first.length; d = path.dirname(d)) await fsp.chown(d, uid, gid);
}

async function ensureDirs(dir: string, isSubfolder: boolean): Promise<void> {
  // tmp/ first: it creates the parents, so new/ and cur/ find them already owned
  await mkdirOwned(path.join(dir, 'tmp'));
  await Promise.all(['new', 'cur'].map((d) => mkdirOwned(path.join(dir, d))));
  // Maildir++ marks subfolders with an empty "maildirfolder" file (Dovecot, Courier)
  if (isSubfolder) {
    const marker = path.join(dir, 'maildirfolder');
    await fsp.writeFile(marker, '', { flag: 'a' });
    if (asRoot) await chownLikeDir(marker, dir);
  }
}

function uniqueName(): string {
  const now = process.hrtime.bigint();
  const sec = Math.floor(Date.now() / 1000);
  const usec = Number(now % 1000000n);
  counter = (counter + 1) % 1e9;
  return `${sec}.M${usec}P${process.pid}Q${counter}.${maildirHost()}`;
}

let host: string | undefined;

/** This host's name as Maildir file names carry it, read once (a system call per message before). */
function maildirHost(): string {
  return (host ??= os.hostname().replace(/\//g, '\\057').replace(/:/g, '\\072'));
}

async function createMaildir(root: string, folder: string | undefined): Promise<void> {
  await ensureDirs(root, false);
  if (folder) await ensureDirs(path.join(root, folder), true);
}

async function chownLikeDir(file: string | fsp.FileHandle, dir: string): Promise<void> {
  const { uid, gid } = await fsp.stat(dir);
  if (uid === 0) return;
  if (typeof file === 'string') await fsp.chown(file, uid, gid);
  else await file.chown(uid, gid);
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

// O_SYNC: the write returns once the bytes are on disk (what a write then fsync gave, in one step)
const TMP_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_SYNC;

interface Opened {
  fd: number;
  /** new/, opened now to be synced after the rename */
  newDir: number;
  /** as root: tmp/'s owner, the owner the file takes */
  owner?: fs.Stats;
}

// The steps that only change directories in memory (open, rename, close) are taken here, on
// the event loop: each one sent to libuv's pool cost two thread wake-ups and a turn of a busy
// loop, more than the step itself. Only the two that wait for the disk go to the pool: the
// O_SYNC write and the fsync of new/.
function openAll(dir: string, tmp: string): Opened {
  const fd = fs.openSync(tmp, TMP_FLAGS, 0o600);
  try {
    const newDir = fs.openSync(path.join(dir, 'new'), fs.constants.O_RDONLY);
    try {
      return { fd, newDir, owner: asRoot ? fs.statSync(path.join(dir, 'tmp')) : undefined };
    } catch (err) {
      closeQuietly(newDir);
      throw err;
    }
  } catch (err) {
    closeQuietly(fd);
    unlinkQuietly(tmp);
    throw err;
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Linux frees the descriptor whatever close says
  }
}

function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

// The common case first: the Maildir exists (it has received mail before), so no mkdir at
// all; a missing or half-created one (first delivery, removed behind our back, tmp/ without
// new/) is completed and tried again.
async function openInMaildir(root: string, folder: string | undefined, dir: string, tmp: string): Promise<Opened> {
  try {
    return openAll(dir, tmp);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  await createMaildir(root, folder);
  return openAll(dir, tmp);
}

const writev = (fd: number, parts: Buffer[]) => new Promise<number>((resolve, reject) => fs.writev(fd, parts, (err, n) => (err ? reject(err) : resolve(n))));
const fsync = (fd: number) => new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));

async function writeDurably(o: Opened, tmp: string, parts: Buffer[], size: number): Promise<void> {
  try {
    if (o.owner && o.owner.uid !== 0) fs.fchownSync(o.fd, o.owner.uid, o.owner.gid);
    const written = await writev(o.fd, parts);
    if (written !== size) throw new Error(`short write to ${tmp}: ${written} of ${size} bytes`);
  } catch (err) {
    closeQuietly(o.fd);
    closeQuietly(o.newDir);
    unlinkQuietly(tmp);
    throw err;
  }
}

/**
 * Writes one message made of `parts` into `root` (or its `folder`, e.g. ".Junk").
 * Returns the final path and the size written.
 */
export async function deliverToMaildir(root: string, folder: string | undefined, parts: Buffer[]): Promise<{ file: string; size: number }> {
  const size = parts.reduce((n, b) => n + b.length, 0);
  const name = `${uniqueName()},S=${size}`;
  const dir = folder ? path.join(root, folder) : root;
  const tmp = path.join(dir, 'tmp', name);
  const final = path.join(dir, 'new', name);
  const o = await openInMaildir(root, folder, dir, tmp);
  await writeDurably(o, tmp, parts, size);
  closeQuietly(o.fd); // the bytes are on disk (O_SYNC)
  let newDir = o.newDir;
  try {
    fs.renameSync(tmp, final);
  } catch (err) {
    // new/ removed since it was opened: made again, and that one is synced
    closeQuietly(newDir);
    if (!isMissing(err)) {
      unlinkQuietly(tmp);
      throw err;
    }
    try {
      await createMaildir(root, folder).catch(() => undefined);
      fs.renameSync(tmp, final);
      newDir = fs.openSync(path.join(dir, 'new'), fs.constants.O_RDONLY);
    } catch (e) {
      unlinkQuietly(tmp);
      throw e;
    }
  }
  // the copy is stored once new/ is synced; keeping maildirsize current is best effort (it is
  // recalculated before any refusal), never a reason to answer 4xx and have the sender deliver it twice
  try {
    appendMaildirSizeSync(root, size);
  } catch {
    // best effort, as said
  }
  try {
    await fsync(newDir);
  } finally {
    closeQuietly(newDir);
  }
  return { file: final, size };
}
