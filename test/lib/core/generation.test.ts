// The generation counter: every write through lib to what the MTA caches moves it, delivery
// usage does not; and a cache keeps answers only for the generation they were read in.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { readGeneration, GenerationCache, cacheEntries, DEFAULT_CACHE_ENTRIES, type GenerationWatch } from '../../../lib/core';
import { createDomain, updateDomain, deleteDomain, createDomainAlias, updateDomainAlias, deleteDomainAlias, createMailbox, updateMailbox, deleteMailbox, createAlias, updateAlias, deleteAlias, addUsage, getMailbox } from '../../../lib/directory';
import { createPolicy, updatePolicy, assignPolicy, setMailboxOwnPolicy, setMailboxSharedPolicy, deletePolicy, addListEntry, deleteListEntry } from '../../../lib/policy';
import { createAutoreply, setAutoreplyEnabled, deleteAutoreply } from '../../../lib/autoreply';

/** A watch whose generation the test sets by hand. */
function manualWatch(): GenerationWatch & { value: number | null } {
  return {
    value: 1,
    current() {
      return this.value;
    },
    async refresh() {},
  };
}

describe('cacheEntries (MAILHOST_DIRECTORY_CACHE_ENTRIES)', () => {
  it('reads the bound from the environment, with a default', () => {
    assert.equal(cacheEntries({}), DEFAULT_CACHE_ENTRIES);
    assert.equal(cacheEntries({ MAILHOST_DIRECTORY_CACHE_ENTRIES: '' }), DEFAULT_CACHE_ENTRIES);
    assert.equal(cacheEntries({ MAILHOST_DIRECTORY_CACHE_ENTRIES: '5000' }), 5000);
  });

  it('refuses what is not a whole number of 1 or more, naming the variable', () => {
    for (const bad of ['0', '-3', '1.5', 'lots', '1e', ' ']) assert.throws(() => cacheEntries({ MAILHOST_DIRECTORY_CACHE_ENTRIES: bad }), /MAILHOST_DIRECTORY_CACHE_ENTRIES must be a whole number/, bad);
  });
});

describe('GenerationCache', () => {
  it('serves hits, caches negative answers, and drops everything when the generation moves', async () => {
    const w = manualWatch();
    const c = new GenerationCache<string | null>(w, 10);
    let loads = 0;
    const load = (v: string | null) => async () => (loads++, v);
    assert.equal(await c.get('k', load('one')), 'one');
    assert.equal(await c.get('k', load('two')), 'one');
    assert.equal(await c.get('none', load(null)), null);
    assert.equal(await c.get('none', load('late')), null);
    assert.equal(loads, 2);
    w.value = 2;
    assert.equal(await c.get('k', load('two')), 'two');
    assert.equal(loads, 3);
  });

  it('does not keep an answer read while the generation moved, nor anything without a recent reading', async () => {
    const w = manualWatch();
    const c = new GenerationCache<string>(w, 10);
    assert.equal(
      await c.get('k', async () => {
        w.value = 2; // a change lands while the query runs
        return 'old';
      }),
      'old',
    );
    assert.equal(await c.get('k', async () => 'new'), 'new');
    w.value = null;
    assert.equal(await c.get('x', async () => 'a'), 'a');
    assert.equal(await c.get('x', async () => 'b'), 'b');
    assert.equal(await c.get('k', async () => 'unread'), 'unread'); // not served from the cache either
    assert.equal(c.size, 1);
  });

  it('keeps its answers across a time without a reading when the generation read again is the same', async () => {
    const w = manualWatch();
    const c = new GenerationCache<string>(w, 10);
    await c.get('k', async () => 'kept');
    w.value = null; // the counter unread for over a second (stalled loop, slow database)
    assert.equal(await c.get('k', async () => 'fresh'), 'fresh');
    w.value = 1; // read again, unchanged: nothing was written meanwhile
    assert.equal(await c.get('k', async () => 'again'), 'kept');
    w.value = null;
    await c.get('k', async () => 'x');
    w.value = 2; // it moved while unread
    assert.equal(await c.get('k', async () => 'new'), 'new');
    assert.equal(c.size, 1);
  });

  it('holds at most its bound', async () => {
    const c = new GenerationCache<number>(manualWatch(), 3);
    for (let i = 0; i < 10; i++) await c.get(String(i), async () => i);
    assert.equal(c.size, 3);
  });
});

describeEachEngine('generation counter', ({ t }) => {
  it('moves on every directory, policy, sender list and autoreply change made through lib, not on usage', async () => {
    const { db } = t();
    const steps: [string, () => Promise<unknown>][] = [
      ['create domain', () => createDomain(db, { name: 'example.com' })],
      ['update domain', async () => updateDomain(db, (await createDomain(db, { name: 'other.test' })).id, { active: false })],
      ['create domain alias', () => createDomainAlias(db, 'alias.test', 'example.com')],
      ['update domain alias', async () => {
        const id = Number((await db('domain_aliases').first('id')).id);
        return updateDomainAlias(db, id, { active: false });
      }],
      ['delete domain alias', () => deleteDomainAlias(db, 'alias.test')],
      ['create mailbox', () => createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' })],
      ['update mailbox', () => updateMailbox(db, 'jean@example.com', { active: false })],
      ['create alias', () => createAlias(db, { address: 'info@example.com', targets: 'jean@example.com' })],
      ['update alias', async () => updateAlias(db, Number((await db('aliases').where({ address: 'info@example.com' }).first('id')).id), { active: false })],
      ['delete alias', () => deleteAlias(db, 'info@example.com')],
      ['create policy', () => createPolicy(db, { name: 'strict', threshold: 3 })],
      ['update policy', () => updatePolicy(db, 'strict', { threshold: 4 })],
      ['assign policy', () => assignPolicy(db, { domain: 'example.com' }, 'strict')],
      ['own policy', () => setMailboxOwnPolicy(db, 'jean@example.com', { threshold: 2 })],
      ['shared policy', () => setMailboxSharedPolicy(db, 'jean@example.com', null)],
      ['delete policy', () => deletePolicy(db, 'strict')],
      ['add list entry', () => addListEntry(db, { mailbox: 'jean@example.com', kind: 'block', pattern: 'spam@bad.test' })],
      ['delete list entry', () => deleteListEntry(db, { mailbox: 'jean@example.com', kind: 'block', pattern: 'spam@bad.test' })],
      ['create autoreply', () => createAutoreply(db, 'jean@example.com', { name: 'away', subject: 'Away', bodyText: 'Back soon', enabled: true })],
      ['disable autoreply', async () => setAutoreplyEnabled(db, Number((await db('autoreplies').first('id')).id), false)],
      ['delete autoreply', async () => deleteAutoreply(db, Number((await db('autoreplies').first('id')).id))],
      ['delete mailbox', () => deleteMailbox(db, 'jean@example.com')],
      ['delete domain', () => deleteDomain(db, 'other.test')],
    ];
    for (const [what, step] of steps) {
      const before = await readGeneration(db);
      await step();
      assert.ok((await readGeneration(db)) > before, `${what} moves the generation`);
    }
    const { mailbox } = await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' });
    const before = await readGeneration(db);
    await addUsage(db, mailbox.id, 5000);
    assert.equal((await getMailbox(db, mailbox.id)).used_bytes, 5000);
    assert.equal(await readGeneration(db), before, 'usage does not move the generation');
  });
});
