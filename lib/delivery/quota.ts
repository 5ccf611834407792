// The quota's truth is the Maildir: before a mailbox is refused as full, its messages are
// counted again (maildirsize rewritten) and the counter in the database corrected, so mail a
// client deleted (IMAP, POP3, by hand) frees room at once. A count below the warning threshold
// re-arms the 90 % warning (quotaWarning.ts).
import type { Db } from '../core';
import { setUsage } from '../directory';
import { maildirPath } from './maildir';
import { recalculateMaildirSize } from './maildirsize';
import { nearlyFull, rearmQuotaWarning } from './quotaWarning';

interface Counted {
  id: number;
  address: string;
  quota_mb: number;
}

/** The `recount` of ResolveOptions for Maildirs under `dataDir`: counts, rewrites maildirsize, corrects used_bytes. */
export function maildirRecount(db: Db, dataDir: string): (mailbox: Counted) => Promise<number> {
  return async (mb) => {
    const used = await recalculateMaildirSize(maildirPath(dataDir, mb.address), mb.quota_mb * 1024 * 1024);
    await setUsage(db, mb.id, used.bytes);
    if (!nearlyFull(mb.quota_mb, used.bytes)) await rearmQuotaWarning(db, mb.id);
    return used.bytes;
  };
}
