// The per-process directory cache: the same answers as the SQL directory, asked once until a
// change through lib moves the generation; bounded; quota decided on usage the cache does not hold.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { watchGeneration, type Db } from '../../../lib/core';
import { cachedDirectory, sqlDirectory, resolveRecipient, createDomain, createMailbox, updateMailbox, createAlias, updateAlias, addUsage, type Directory } from '../../../lib/directory';

/** The real SQL directory, counting the questions that reach the database. */
function counted(db: Db): { dir: Directory; asked: () => number } {
  const inner = sqlDirectory(db);
  let n = 0;
  const count = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A) => (n++, f(...a));
  return {
    dir: { lookupLocal: count(inner.lookupLocal!), findEntries: count(inner.findEntries), findDomain: count(inner.findDomain), firstMailbox: count(inner.firstMailbox), firstDomain: count(inner.firstDomain!) },
    asked: () => n,
  };
}

async function setup(db: Db) {
  await createDomain(db, { name: 'example.com' });
  await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
  await createAlias(db, { address: 'info@example.com', targets: 'jean@example.com' });
  await watchGeneration(db).refresh();
}

const status = async (dir: Directory, rcpt: string) => {
  const r = await resolveRecipient(dir, rcpt);
  return r.status === 'reject' ? r.reason : r.status;
};

describeEachEngine('cached directory', ({ t }) => {
  it('answers again from memory, found and not found, without asking the database', async () => {
    const { db } = t();
    await setup(db);
    const { dir, asked } = counted(db);
    const cached = cachedDirectory(db, {}, dir);
    for (let i = 0; i < 3; i++) {
      assert.equal(await status(cached, 'jean@example.com'), 'local');
      assert.equal(await status(cached, 'nobody@example.com'), 'unknown');
      assert.equal(await status(cached, 'x@not-hosted.test'), 'remote');
    }
    const once = asked();
    assert.equal(await status(cached, 'info@example.com'), 'local');
    assert.ok(asked() > once);
    const afterAlias = asked();
    for (let i = 0; i < 3; i++) await status(cached, 'info@example.com');
    assert.equal(asked(), afterAlias, 'the alias and what it points at come from memory');
    // a write behind lib's back (no generation bump) is not seen: the answers really are cached
    await db('mailboxes').where({ address: 'jean@example.com' }).update({ active: false });
    assert.equal(await status(cached, 'jean@example.com'), 'local');
  });

  it('sees a changed alias and a disabled mailbox once the generation is read again', async () => {
    const { db } = t();
    await setup(db);
    await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' });
    const cached = cachedDirectory(db);
    const targets = async () => {
      const r = await resolveRecipient(cached, 'info@example.com');
      return r.status === 'local' ? r.targets.map((x) => (x.kind === 'local' ? x.mailbox.address : x.address)) : r.status;
    };
    assert.deepEqual(await targets(), ['jean@example.com']);
    assert.equal(await status(cached, 'jean@example.com'), 'local');
    const alias = Number((await db('aliases').where({ address: 'info@example.com' }).first('id')).id);
    await updateAlias(db, alias, { targets: 'marie@example.com' });
    await updateMailbox(db, 'jean@example.com', { active: false });
    await watchGeneration(db).refresh();
    assert.deepEqual(await targets(), ['marie@example.com']);
    assert.equal(await status(cached, 'jean@example.com'), 'disabled');
  });

  it('keeps at most maxEntries answers', async () => {
    const { db } = t();
    await setup(db);
    const { dir, asked } = counted(db);
    const cached = cachedDirectory(db, { maxEntries: 2 }, dir);
    for (const a of ['a@example.com', 'b@example.com', 'c@example.com']) await status(cached, a);
    const n = asked();
    await status(cached, 'c@example.com');
    assert.equal(asked(), n, 'the newest is still there');
    await status(cached, 'a@example.com');
    assert.equal(asked(), n + 1, 'the oldest was dropped');
  });

  it('decides quota on current usage: deliveries of this process at once, of other nodes after usageTtlMs', async () => {
    const { db } = t();
    await setup(db);
    await createMailbox(db, { address: 'full@example.com', password: 'secret-pass-1', quotaMb: 1 });
    await watchGeneration(db).refresh();
    const here = cachedDirectory(db);
    assert.equal(await status(here, 'full@example.com'), 'local');
    const id = Number((await db('mailboxes').where({ address: 'full@example.com' }).first('id')).id);
    await addUsage(db, id, 2 * 1024 * 1024); // delivered by this process: no generation bump
    assert.equal(await status(here, 'full@example.com'), 'over_quota');
    // another node frees the space: a full mailbox is always read again
    await db('mailboxes').where({ id }).update({ used_bytes: 0 });
    assert.equal(await status(here, 'full@example.com'), 'local');
    // another node fills it: seen once the usage figure is older than usageTtlMs (0 here)
    const other = cachedDirectory(db, { usageTtlMs: 0 });
    await db('mailboxes').where({ id }).update({ used_bytes: 5 * 1024 * 1024 });
    assert.equal(await status(other, 'full@example.com'), 'over_quota');
  });

  it('a first RCPT to a mailbox with a quota is one query: the usage read with the row is used', async () => {
    const { db } = t();
    await setup(db);
    await createMailbox(db, { address: 'quota@example.com', password: 'secret-pass-1', quotaMb: 1 });
    const id = Number((await db('mailboxes').where({ address: 'quota@example.com' }).first('id')).id);
    await db('mailboxes').where({ id }).update({ used_bytes: 100 * 1024 });
    await watchGeneration(db).refresh();
    const sql: string[] = [];
    const log = (q: { sql: string }) => sql.push(q.sql);
    db.on('query', log);
    try {
      assert.equal(await status(cachedDirectory(db), 'quota@example.com'), 'local');
    } finally {
      db.removeListener('query', log);
    }
    assert.equal(sql.length, 1, sql.join('\n'));
  });

  it('trusts a roomy mailbox\'s usage for roomyTtlMs and one near its quota for usageTtlMs only', async () => {
    const { db } = t();
    await setup(db);
    await createMailbox(db, { address: 'roomy@example.com', password: 'secret-pass-1', quotaMb: 10 });
    await watchGeneration(db).refresh();
    const id = Number((await db('mailboxes').where({ address: 'roomy@example.com' }).first('id')).id);
    const here = cachedDirectory(db, { usageTtlMs: 0, roomyTtlMs: 60_000 });
    assert.equal(await status(here, 'roomy@example.com'), 'local');
    // another node fills it while this process believes it nearly empty: not read again yet
    await db('mailboxes').where({ id }).update({ used_bytes: 11 * 1024 * 1024 });
    assert.equal(await status(here, 'roomy@example.com'), 'local', 'a roomy mailbox is not read again within roomyTtlMs');
    // near its quota (>= 80 %), the figure is read again after usageTtlMs (0 here)
    await db('mailboxes').where({ id }).update({ used_bytes: 0 });
    const near = cachedDirectory(db, { usageTtlMs: 0, roomyTtlMs: 60_000 });
    await addUsage(db, id, 9 * 1024 * 1024); // this process delivered 9 of 10 MB
    assert.equal(await status(near, 'roomy@example.com'), 'local');
    await db('mailboxes').where({ id }).update({ used_bytes: 11 * 1024 * 1024 });
    assert.equal(await status(near, 'roomy@example.com'), 'over_quota', 'near the quota another node\'s delivery is seen');
  });
});
