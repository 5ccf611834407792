// Usage counters written behind the deliveries: counted in memory at once (this process's quota
// check sees them), written in one statement within a second, kept across a failed write, and
// dropped when a recount from the Maildir has already counted them.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { waitFor } from '../../helpers/processes';
import { watchGeneration, bumpGeneration, isMysql, type Db } from '../../../lib/core';
import { cachedDirectory, resolveRecipient, createDomain, createMailbox, getMailbox, countUsage, flushUsage, setUsage, unwrittenUsage, readBesideWrites, USAGE_FLUSH_MS, type Directory, type CacheOptions } from '../../../lib/directory';

const MB = 1024 * 1024;

async function mailbox(db: Db, address: string, quotaMb = 0): Promise<number> {
  await createMailbox(db, { address, password: 'secret-pass-1', quotaMb });
  return (await getMailbox(db, address)).id;
}

const used = async (db: Db, address: string) => (await getMailbox(db, address)).used_bytes;

/** What resolving full@example.com answers: local, or the reason it is refused. */
async function statusOf(dir: Directory): Promise<string> {
  const r = await resolveRecipient(dir, 'full@example.com');
  return r.status === 'reject' ? r.reason : r.status;
}

/**
 * full@example.com (1 MB quota) answered "local" once through a cachedDirectory, then 2 MB
 * delivered to it by this process (counted, not written yet).
 */
async function deliveredPastQuota(db: Db, opts?: CacheOptions) {
  const id = await mailbox(db, 'full@example.com', 1);
  await watchGeneration(db).refresh();
  const dir = cachedDirectory(db, opts);
  const status = () => statusOf(dir);
  assert.equal(await status(), 'local');
  countUsage(db, id, 2 * MB);
  return { id, dir, status };
}

describeEachEngine('usage written behind the deliveries', ({ t }) => {
  beforeEach(async () => {
    await createDomain(t().db, { name: 'example.com' });
  });

  it('nothing is written at once; every mailbox counted is written together within a second', async () => {
    const { db } = t();
    const jean = await mailbox(db, 'jean@example.com');
    const marie = await mailbox(db, 'marie@example.com');
    countUsage(db, jean, 1000);
    countUsage(db, marie, 300);
    countUsage(db, jean, 24);
    assert.equal(await used(db, 'jean@example.com'), 0);
    assert.equal(unwrittenUsage(db, jean), 1024);
    const start = Date.now();
    await waitFor('usage written', async () => (await used(db, 'marie@example.com')) === 300, 5000);
    assert.ok(Date.now() - start <= USAGE_FLUSH_MS + 1000, `written after ${Date.now() - start} ms`);
    assert.equal(await used(db, 'jean@example.com'), 1024);
    assert.equal(unwrittenUsage(db, jean), 0);
  });

  it('the quota check of this process counts what it stored but has not written yet', async () => {
    const { db } = t();
    const { status } = await deliveredPastQuota(db, { usageTtlMs: 0, roomyTtlMs: 0 });
    assert.equal(await used(db, 'full@example.com'), 0, 'not written yet');
    assert.equal(await status(), 'over_quota', 'read again from the database, plus what is unwritten');
    await flushUsage(db);
    assert.equal(await used(db, 'full@example.com'), 2 * MB);
    assert.equal(await status(), 'over_quota', 'counted once, not twice');
  });

  it('a read of the usage and the unwritten bytes add up: no write of this process lands between them', async () => {
    const { db } = t();
    const id = await mailbox(db, 'full@example.com', 1);
    countUsage(db, id, 2 * MB);
    // a write that comes due during a read waits for it: the read sees neither the row nor the
    // figure changed under it
    const seen = await readBesideWrites(db, async () => {
      const row = await used(db, 'full@example.com');
      void flushUsage(db); // without the wait, written now: the row without the bytes, the figure too
      await new Promise((r) => setTimeout(r, 100));
      return row + unwrittenUsage(db, id);
    });
    assert.equal(seen, 2 * MB);
    await waitFor('written after the read', async () => (await used(db, 'full@example.com')) === 2 * MB, 5000);
    // a read that comes while a write is under way (or due) sees it whole, before or after
    countUsage(db, id, MB);
    const writing = flushUsage(db);
    await new Promise((r) => setImmediate(r));
    const during = await readBesideWrites(db, async () => {
      const row = await used(db, 'full@example.com');
      await new Promise((r) => setTimeout(r, 50));
      return row + unwrittenUsage(db, id);
    });
    await writing;
    assert.equal(during, 3 * MB);
  });

  it('a mailbox read again with its row (the cache dropped) still counts what this process has not written', async () => {
    const { db } = t();
    // the default freshness: a roomy figure is trusted for 30 s, so a wrong one would stay
    const { status } = await deliveredPastQuota(db);
    // any change through lib: every cached answer dropped, the next RCPT reads the mailbox row again
    await bumpGeneration(db);
    await watchGeneration(db).refresh();
    assert.equal(await used(db, 'full@example.com'), 0, 'not written yet');
    assert.equal(await status(), 'over_quota', 'the row read with the mailbox, plus what is unwritten');
  });

  it('a row read while this process wrote its usage is not taken as the whole figure', async () => {
    const { db } = t();
    const { dir } = await deliveredPastQuota(db);
    await bumpGeneration(db);
    await watchGeneration(db).refresh();
    // the write lands while the lookup's row is on its way (read before it: 0 bytes)
    const lookup = resolveRecipient(dir, 'full@example.com');
    await flushUsage(db);
    const r = await lookup;
    const after = await resolveRecipient(dir, 'full@example.com');
    assert.equal(after.status === 'reject' ? after.reason : after.status, 'over_quota');
    assert.ok(r.status === 'reject' || r.status === 'local');
  });

  it('a recount landing during a read of the usage waits for it: a full mailbox is not seen empty', async () => {
    const { db } = t();
    const id = await mailbox(db, 'full@example.com', 1);
    countUsage(db, id, 2 * MB);
    let recount: Promise<void> | undefined;
    const seen = await readBesideWrites(db, async () => {
      const row = await used(db, 'full@example.com'); // 0: the bytes are not written yet
      // the 90 % warning's recount of the same files, after the delivery (not awaited there)
      recount = setUsage(db, id, 2 * MB);
      await new Promise((r) => setTimeout(r, 100));
      return row + unwrittenUsage(db, id);
    });
    assert.equal(seen, 2 * MB, 'the row read before the recount, plus the bytes it replaces');
    await recount;
    assert.equal(await used(db, 'full@example.com'), 2 * MB);
    assert.equal(unwrittenUsage(db, id), 0, 'counted once, not twice');
    await flushUsage(db);
    assert.equal(await used(db, 'full@example.com'), 2 * MB);
  });

  it('the quota check after a recount that came while the mailbox was read sees it full', async () => {
    const { db } = t();
    const { id, status } = await deliveredPastQuota(db); // looks full to this process, is read again
    const during = status();
    const recount = setUsage(db, id, 2 * MB);
    assert.equal(await during, 'over_quota');
    await recount;
    assert.equal(await status(), 'over_quota');
  });

  it('a recount whose write failed is written on the next try, with what was delivered after it', async () => {
    const { db } = t();
    const id = await mailbox(db, 'jean@example.com');
    countUsage(db, id, 5000);
    await db.raw(
      isMysql(db)
        ? "CREATE TRIGGER usage_locked BEFORE UPDATE ON mailboxes FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'usage locked'"
        : "CREATE TRIGGER usage_locked BEFORE UPDATE OF used_bytes ON mailboxes BEGIN SELECT RAISE(ABORT, 'usage locked'); END",
    );
    try {
      await assert.rejects(setUsage(db, id, 5000), /usage locked/); // the recount saw the 5000 bytes
      countUsage(db, id, 300); // a delivery after the recount
      await assert.rejects(flushUsage(db), /usage locked/);
    } finally {
      await db.raw('DROP TRIGGER usage_locked');
    }
    await flushUsage(db);
    assert.equal(await used(db, 'jean@example.com'), 5300);
  });

  it('a recount from the Maildir replaces what was counted and not written yet', async () => {
    const { db } = t();
    const id = await mailbox(db, 'jean@example.com');
    countUsage(db, id, 5000);
    await setUsage(db, id, 5000); // the recount saw the file those bytes are in
    await flushUsage(db);
    assert.equal(await used(db, 'jean@example.com'), 5000);
  });
});
