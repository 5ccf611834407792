// Walking Maildirs: a directory's entries (none when it is missing), and the directories of a
// Maildir++ mailbox (the INBOX and each ".Folder").
import fsp from 'node:fs/promises';
import path from 'node:path';

/** The names in `dir`; none when it does not exist (yet, or any more). */
export async function entries(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

/** The INBOX directory of a Maildir and those of its Maildir++ folders (.Junk, .Sent...). */
export async function maildirFolders(maildir: string): Promise<string[]> {
  const folders = (await entries(maildir)).filter((n) => n.startsWith('.') && n !== '.' && n !== '..');
  return [maildir, ...folders.map((f) => path.join(maildir, f))];
}
