// Nothing doubled when an LMTP delivery fails part-way. The queue hook answers for the whole
// message: if one local copy fails after others were delivered, the message gets 4xx and the
// sender retries every recipient. The copies already delivered are remembered here, by the
// message's Message-ID and envelope sender, and skipped on the retry; the memory goes once
// the message is through. A message without a Message-ID cannot be recognised on its retry:
// its delivered copies are sent again (a duplicate, never a loss).
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { headerValues } from '../core';

const DIR = 'lmtp-partial';
/** a sender gives up retrying after about five days: older memories are useless */
const KEEP_MS = 7 * 86_400_000;

export interface PartialMemory {
  /** keys (recipient and folder) of the copies already delivered */
  done: Set<string>;
  file?: string;
  existed: boolean;
}

function fileFor(dataDir: string, message: Buffer, mailFrom: string): string | undefined {
  const id = headerValues(message, 'Message-ID')[0];
  if (!id) return undefined;
  const key = crypto.createHash('sha256').update(`${id}\0${mailFrom}`).digest('hex');
  return path.join(dataDir, DIR, key);
}

/** What an earlier attempt of this message delivered (usually nothing: no file). */
export async function recallPartial(dataDir: string, message: Buffer, mailFrom: string): Promise<PartialMemory> {
  const file = fileFor(dataDir, message, mailFrom);
  if (!file) return { done: new Set(), existed: false };
  try {
    const text = await fsp.readFile(file, 'utf8');
    return { done: new Set(text.split('\n').filter(Boolean)), file, existed: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { done: new Set(), file, existed: false };
  }
}

/** Remembers the delivered copies before the message is answered 4xx (and forgets stale memories). */
export async function rememberPartial(mem: PartialMemory): Promise<void> {
  if (!mem.file) return;
  const dir = path.dirname(mem.file);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${mem.file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, [...mem.done].join('\n') + '\n', { mode: 0o600 });
  await fsp.rename(tmp, mem.file);
  const now = Date.now();
  for (const name of await fsp.readdir(dir)) {
    const f = path.join(dir, name);
    const st = await fsp.stat(f).catch(() => undefined);
    if (st && now - st.mtimeMs > KEEP_MS) await fsp.unlink(f).catch(() => undefined);
  }
}

/** The message is through: its memory goes. */
export async function forgetPartial(mem: PartialMemory): Promise<void> {
  if (mem.file && mem.existed) await fsp.unlink(mem.file).catch(() => undefined);
}
