// The shared memory of whom an autoreply answered: per-day limit (also under concurrent
// claims from separate database handles, as two Haraka workers would be), the 24 h window,
// a clean memory for a new activation period, and the cap on remembered correspondents.
import assert from 'node:assert/strict';
import { describeEachEngineShared as describeEachEngine } from '../../helpers/sharedEngineDb';
import { openDb, type Db } from '../../../lib/core';
import { createDomain, createMailbox } from '../../../lib/directory';
import { createAutoreply, claimReplySlot, listMemory, forgetOldest, setAutoreplyEnabled, type AutoreplyInput } from '../../../lib/autoreply';

const T0 = new Date('2026-12-01T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3600_000;

async function autoreply(db: Db, input: AutoreplyInput = {}) {
  await createDomain(db, { name: 'exemple.fr' });
  await createMailbox(db, { address: 'zoe@exemple.fr', password: 'Secret-pass-123' });
  return createAutoreply(db, 'zoe@exemple.fr', { bodyText: 'Absente.', enabled: true, ...input });
}

describeEachEngine('autoreply memory', ({ t }) => {
  it('one reply per correspondent per 24 h by default; others are independent', async () => {
    const { db } = t();
    const a = await autoreply(db);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), true);
    assert.equal(await claimReplySlot(db, a.id, 'Jean@Client.EXAMPLE', later(1000)), false, 'same correspondent, any case');
    assert.equal(await claimReplySlot(db, a.id, 'marie@client.example', later(2000)), true);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', later(24 * HOUR - 1)), false, 'window still open');
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', later(24 * HOUR)), true, 'a new 24 h window');
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', later(25 * HOUR)), false);
    const mem = await listMemory(db, a.id);
    const jean = mem.find((m) => m.correspondent === 'jean@client.example')!;
    assert.equal(jean.count, 1);
    assert.equal(jean.window_start, later(24 * HOUR).toISOString());
  });

  it('max_per_day N allows exactly N replies in the window', async () => {
    const { db } = t();
    const a = await autoreply(db, { maxPerDay: 3 });
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await claimReplySlot(db, a.id, 'jean@client.example', later(i * HOUR)));
    assert.deepEqual(got, [true, true, true, false, false]);
    assert.equal((await listMemory(db, a.id))[0].count, 3);
  });

  for (const max of [1, 3]) {
    it(`two workers racing (separate DB handles, Promise.all) never exceed ${max} per day`, async () => {
      const { db, url } = t();
      const a = await autoreply(db, { maxPerDay: max });
      const handles = [openDb(url), openDb(url)];
      try {
        // first contact for this correspondent: both insert at once
        const first = await Promise.all(handles.map((h) => claimReplySlot(h, a.id, 'race@client.example', T0)));
        const firstWins = Math.min(2, max);
        assert.equal(first.filter(Boolean).length, firstWins, `${firstWins} of two first claims win, got ${first}`);
        // then many concurrent claims on the existing row
        const many = await Promise.all(Array.from({ length: 20 }, (_, i) => claimReplySlot(handles[i % 2], a.id, 'race@client.example', later(1000 + i))));
        assert.equal(many.filter(Boolean).length, max - firstWins);
        assert.equal((await listMemory(db, a.id))[0].count, max);
        // and a new window opens for exactly max more, even when everyone races
        const next = await Promise.all(Array.from({ length: 20 }, (_, i) => claimReplySlot(handles[i % 2], a.id, 'race@client.example', later(25 * HOUR + i))));
        assert.equal(next.filter(Boolean).length, max);
      } finally {
        await Promise.all(handles.map((h) => h.destroy()));
      }
    });
  }

  it('a new activation period starts with a clean memory, even for rows a worker still had', async () => {
    const { db } = t();
    const a = await autoreply(db);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), true);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', later(HOUR)), false);
    await setAutoreplyEnabled(db, a.id, false);
    const again = await setAutoreplyEnabled(db, a.id, true);
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', later(2 * HOUR)), true);
    // a row from an older generation (written by a worker that read the old period) counts as fresh
    await db('autoreply_memory').where({ autoreply_id: a.id }).update({ generation: again.generation - 1, count: 1 });
    assert.equal(await claimReplySlot(db, again, 'jean@client.example', later(3 * HOUR)), true);
    assert.equal((await listMemory(db, a.id))[0].generation, again.generation);
    assert.equal(await claimReplySlot(db, again, 'jean@client.example', later(4 * HOUR)), false);
  });

  it('remembers at most max_correspondents: the least recently answered are forgotten first', async () => {
    const { db } = t();
    const a = await autoreply(db, { maxCorrespondents: 3 });
    for (const [i, who] of ['a', 'b', 'c'].entries()) assert.equal(await claimReplySlot(db, a.id, `${who}@client.example`, later(i * 1000)), true);
    assert.equal(await claimReplySlot(db, a.id, 'd@client.example', later(10_000)), true);
    assert.deepEqual((await listMemory(db, a.id)).map((m) => m.correspondent).sort(), ['b', 'c', 'd'].map((x) => `${x}@client.example`));
    // a forgotten correspondent may be answered again (the price of the cap)
    assert.equal(await claimReplySlot(db, a.id, 'a@client.example', later(20_000)), true);
    assert.deepEqual((await listMemory(db, a.id)).map((m) => m.correspondent).sort(), ['a', 'c', 'd'].map((x) => `${x}@client.example`));
    // a remembered one is still limited
    assert.equal(await claimReplySlot(db, a.id, 'd@client.example', later(30_000)), false);
    assert.equal(await forgetOldest(db, { id: a.id, max_correspondents: 1 }), 2);
    assert.equal((await listMemory(db, a.id)).length, 1);
  });

  it('memories of two autoreplies are separate; an unknown autoreply never claims', async () => {
    const { db } = t();
    const a = await autoreply(db);
    const b = await createAutoreply(db, 'zoe@exemple.fr', { name: 'b', bodyText: 'x', enabled: true });
    assert.equal(await claimReplySlot(db, a.id, 'jean@client.example', T0), true);
    assert.equal(await claimReplySlot(db, b.id, 'jean@client.example', T0), true);
    assert.equal(await claimReplySlot(db, 999999, 'jean@client.example', T0), false);
  });
});
