// Maildir++ quota (the `maildirsize` file Courier and Dovecot's maildir quota read and update):
// first line the quota definition ("1048576S", or "" without quota), then one line
// "<bytes> <count>" per change (deliveries add, deletions by a client subtract). The sum of
// the lines is the usage. The file is recalculated from the messages themselves when it is
// missing, unreadable or larger than 5120 bytes (the Maildir++ rule), and whenever we must be
// sure (before refusing a mailbox as full: a client may have deleted files without telling it).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { entries, maildirFolders } from './maildirFolders';

export const MAILDIRSIZE = 'maildirsize';
/** Past this size the file is recalculated instead of appended to (Maildir++). */
export const MAILDIRSIZE_MAX = 5120;

export interface MaildirUsage {
  bytes: number;
  count: number;
}

/** The quota definition line: "<bytes>S" (a count limit is not ours to set), "" for none. */
export function quotaDefinition(quotaBytes: number): string {
  return quotaBytes > 0 ? `${Math.floor(quotaBytes)}S` : '';
}

/** The usage a maildirsize text records, or null when it is not a valid file. */
export function parseMaildirSize(text: string): MaildirUsage | null {
  const lines = text.split('\n');
  if (lines.length < 2 || !/^(\d+[SC](,\d+[SC])*)?$/.test(lines[0].trim())) return null;
  const used = { bytes: 0, count: 0 };
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const m = /^\s*(-?\d+)\s+(-?\d+)\s*$/.exec(line);
    if (!m) return null;
    used.bytes += Number(m[1]);
    used.count += Number(m[2]);
  }
  return { bytes: Math.max(0, used.bytes), count: Math.max(0, used.count) };
}

export function formatMaildirSize(quotaBytes: number, used: MaildirUsage): string {
  return `${quotaDefinition(quotaBytes)}\n${used.bytes} ${used.count}\n`;
}

/** A message's size: the ",S=<n>" its name carries (Maildir++ / Dovecot), else its size on disk. */
async function messageSize(dir: string, name: string): Promise<number | null> {
  const m = /,S=(\d+)/.exec(name);
  if (m) return Number(m[1]);
  try {
    return (await fsp.stat(path.join(dir, name))).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // deleted meanwhile
    throw err;
  }
}

/** What the messages in new/ and cur/ of the INBOX and of every Maildir++ folder (.Name) weigh. */
export async function countMaildir(maildir: string): Promise<MaildirUsage> {
  const used = { bytes: 0, count: 0 };
  for (const folder of await maildirFolders(maildir)) {
    for (const sub of ['new', 'cur']) {
      const dir = path.join(folder, sub);
      for (const name of await entries(dir)) {
        if (name.startsWith('.')) continue;
        const size = await messageSize(dir, name);
        if (size === null) continue;
        used.bytes += size;
        used.count += 1;
      }
    }
  }
  return used;
}

/** Counts the Maildir and rewrites its maildirsize (tmp file + rename: readers never see half of it). */
export async function recalculateMaildirSize(maildir: string, quotaBytes: number): Promise<MaildirUsage> {
  const used = await countMaildir(maildir);
  try {
    const tmp = path.join(maildir, 'tmp', `${MAILDIRSIZE}.${process.pid}.${Date.now()}`);
    await fsp.writeFile(tmp, formatMaildirSize(quotaBytes, used));
    await fsp.rename(tmp, path.join(maildir, MAILDIRSIZE));
  } catch (err) {
    // no Maildir yet (nothing delivered): nothing to keep, the count (0) stands
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return used;
}

/** The usage maildirsize records; null when it must be recalculated (missing, invalid, too big). */
export async function readMaildirSize(maildir: string): Promise<MaildirUsage | null> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(maildir, MAILDIRSIZE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return text.length > MAILDIRSIZE_MAX ? null : parseMaildirSize(text);
}

/**
 * Records a delivery in an existing maildirsize (one short append, as Maildir++ asks); none:
 * nothing to do. Synchronous: an append to the page cache is cheaper than two trips to libuv's pool.
 */
export function appendMaildirSizeSync(maildir: string, bytes: number, count = 1): void {
  const file = path.join(maildir, MAILDIRSIZE);
  // most Maildirs have none (no Dovecot quota): asked first, as an ENOENT thrown costs more than the check
  if (!fs.existsSync(file)) return;
  let fd: number;
  try {
    // O_APPEND without O_CREAT: concurrent appends stay whole lines, and no file is made up
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    fs.writeSync(fd, `${bytes} ${count}\n`);
  } finally {
    fs.closeSync(fd);
  }
}
