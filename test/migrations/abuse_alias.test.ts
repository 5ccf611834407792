// The abuse@ migration gives existing domains their abuse@ (RFC 2142) and can be run again.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { createDomain, createMailbox } from '../../lib/directory';
import { up } from '../../migrations/20261129000200_abuse_alias';
import * as sending from '../../migrations/20261129000100_sending';

describeEachEngine('migration abuse_alias', ({ t }) => {
  it('adds abuse@ where it is missing, keeps a real abuse mailbox, and is re-runnable', async () => {
    const db = t().db;
    await createDomain(db, { name: 'old.test' });
    await createDomain(db, { name: 'own.test' });
    // as before this migration: domains without abuse@, one with an abuse mailbox of its own
    await db('aliases').where({ local_part: 'abuse' }).delete();
    await createMailbox(db, { address: 'abuse@own.test', password: 'secret-pass-1' });
    await up(db);
    await up(db);
    const rows = await db('aliases').where({ local_part: 'abuse' }).orderBy('address').select('address', 'kind');
    assert.deepEqual(rows, [{ address: 'abuse@old.test', kind: 'postmaster' }]);
    // the sending tables' migration checks before it creates: running it again changes nothing
    await sending.up(db);
    assert.ok(await db.schema.hasTable('sending_counters'));
  });
});
