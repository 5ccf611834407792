// Maildir delivery the safe way: write tmp/, fsync, rename into new/, fsync the directory.
// Only after that is a copy "durably stored" and may the queue hook answer OK.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { appendMaildirSize } from './maildirsize';

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

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, fs.constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
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

// The common case first: the Maildir exists (it has received mail before), so no mkdir at
// all; a missing one (first delivery, or removed behind our back) is created and tried again.
async function openInTmp(root: string, folder: string | undefined, name: string): Promise<{ dir: string; fh: fsp.FileHandle }> {
  const dir = folder ? path.join(root, folder) : root;
  const file = path.join(dir, 'tmp', name);
  try {
    return { dir, fh: await fsp.open(file, 'wx', 0o600) };
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  await createMaildir(root, folder);
  return { dir, fh: await fsp.open(file, 'wx', 0o600) };
}

/**
 * Writes one message made of `parts` into `root` (or its `folder`, e.g. ".Junk").
 * Returns the final path and the size written.
 */
export async function deliverToMaildir(root: string, folder: string | undefined, parts: Buffer[]): Promise<{ file: string; size: number }> {
  const size = parts.reduce((n, b) => n + b.length, 0);
  const name = `${uniqueName()},S=${size}`;
  const { dir, fh } = await openInTmp(root, folder, name);
  const tmp = path.join(dir, 'tmp', name);
  try {
    if (asRoot) await chownLikeDir(fh, path.join(dir, 'tmp'));
    const { bytesWritten } = await fh.writev(parts);
    if (bytesWritten !== size) throw new Error(`short write to ${tmp}: ${bytesWritten} of ${size} bytes`);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  const final = path.join(dir, 'new', name);
  try {
    await fsp.rename(tmp, final);
  } catch (err) {
    // a Maildir with tmp/ but no new/ (half-created by hand): complete it, once
    if (!isMissing(err)) throw err;
    await createMaildir(root, folder);
    await fsp.rename(tmp, final).catch(async (e) => {
      await fsp.unlink(tmp).catch(() => undefined);
      throw e;
    });
  }
  await fsyncDir(path.join(dir, 'new'));
  // the copy is stored: keeping maildirsize current is best effort (it is recalculated before
  // any refusal), never a reason to answer 4xx and have the sender deliver it twice
  await appendMaildirSize(root, size).catch(() => undefined);
  return { file: final, size };
}
