// createAlias and the catch-all: "*" makes a catch-all when no kind (or 'catchall') is asked,
// and is refused, with nothing stored, when an alias or a forward is asked for.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { MailhostError } from '../../../lib/core';
import { createDomain, createAlias, getAlias } from '../../../lib/directory';

describeEachEngine('lib/directory createAlias with "*"', ({ t }) => {
  beforeEach(async () => {
    await createDomain(t().db, { name: 'example.com' });
  });

  it('makes a catch-all without a kind or with kind catchall', async () => {
    assert.equal((await createAlias(t().db, { address: '*@example.com', targets: 'a@example.org' })).kind, 'catchall');
    await t().db('aliases').where({ address: '*@example.com' }).delete();
    assert.equal((await createAlias(t().db, { address: '*@example.com', targets: 'a@example.org', kind: 'catchall' })).kind, 'catchall');
  });

  for (const kind of ['alias', 'forward'] as const) {
    it(`refuses it as a ${kind}, next to the address, storing nothing`, async () => {
      const err = await createAlias(t().db, { address: '*@example.com', targets: 'a@example.org', kind }).catch((e: unknown) => e);
      assert.ok(err instanceof MailhostError);
      assert.equal(err.code, 'invalid');
      assert.equal(err.field, 'address');
      assert.match(err.message, /^a catch-all \(\*\) is not/);
      await assert.rejects(getAlias(t().db, '*@example.com'));
      assert.equal((await createAlias(t().db, { address: 'sales@example.com', targets: 'a@example.org', kind })).kind, kind);
    });
  }
});
