// Maildir tmp/ files left by deliveries killed mid-write (a crash between write and rename):
// never visible to anyone, never delivered (the sender retried), only disk. Removed after
// 36 hours, as Dovecot does, so a delivery still being written is never touched.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { entries, maildirFolders } from './maildirFolders';

export const STALE_TMP_MS = 36 * 3600_000;

/** Removes tmp/ files older than `maxAgeMs` in every Maildir (and its folders) under `$DATA/mail`. */
export async function removeStaleTmp(dataDir: string, opts: { maxAgeMs?: number; now?: number } = {}): Promise<{ files: number; bytes: number }> {
  const cutoff = (opts.now ?? Date.now()) - (opts.maxAgeMs ?? STALE_TMP_MS);
  const out = { files: 0, bytes: 0 };
  const mail = path.join(dataDir, 'mail');
  for (const domain of await entries(mail)) {
    for (const local of await entries(path.join(mail, domain))) {
      const maildir = path.join(mail, domain, local, 'Maildir');
      for (const dir of await maildirFolders(maildir)) {
        const tmp = path.join(dir, 'tmp');
        for (const name of await entries(tmp)) {
          const file = path.join(tmp, name);
          const st = await fsp.lstat(file).catch(() => null);
          if (!st?.isFile() || st.mtimeMs >= cutoff) continue;
          await fsp.unlink(file).then(
            () => {
              out.files++;
              out.bytes += st.size;
            },
            () => undefined, // gone meanwhile, or not ours to remove: the next run tries again
          );
        }
      }
    }
  }
  return out;
}
