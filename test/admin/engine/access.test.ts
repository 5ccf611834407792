// admin/engine/access: the `permission` key of field and tab declarations, decided by the
// resource's `allows` on the row — hidden from the form, and a request touching it refused
// with 403 (the whole flow is checked over HTTP in test/admin/permissions.test.ts).
import assert from 'node:assert/strict';
import type { Db } from '../../../lib/core';
import { formAccess, refuseDenied } from '../../../admin/engine/access';
import { HttpError } from '../../../admin/engine/errors';
import type { Ctx, ResourceDef } from '../../../admin/engine/types';

function resource(granted: string[]): ResourceDef {
  return {
    name: 'things',
    table: 'things',
    icon: 'box',
    section: 'mail',
    permissions: { user: ['edit'] },
    scope: () => {
      throw new Error('not queried');
    },
    orderBy: 'things.id',
    fields: [
      { name: 'label', type: 'text', label: 'l' },
      { name: 'secret', type: 'password', label: 's', permission: 'secret' },
      { name: 'target', type: 'text', label: 't' },
      { name: 'keep', type: 'checkbox', label: 'k' },
    ],
    tabs: [
      { name: 'main', label: 'm', fields: ['label', 'secret'] },
      { name: 'forward', label: 'f', fields: ['target', 'keep'], permission: 'forward' },
    ],
    allows: async (_ctx, row) => (p) => row.id === 1 && granted.includes(p),
    list: { columns: [], search: [] },
    label: () => 'thing',
  };
}

const ctx = { db: null as unknown as Db, principal: { role: 'user', id: 1, username: 'u', name: '', language: null }, t: (k: string) => k, lang: 'en', timeZone: 'UTC' } as Ctx;
const refused = (f: () => void) => assert.throws(f, (e: unknown) => e instanceof HttpError && e.status === 403 && e.page === 'forbidden');

describe('admin/engine/access permissions', () => {
  it('granted: everything shown, nothing refused', async () => {
    const a = await formAccess(resource(['secret', 'forward']), ctx, new Map(), { id: 1 });
    assert.deepEqual(a.tabs.map((t) => t.def.name), ['main', 'forward']);
    assert.deepEqual(a.fields.map((f) => f.name), ['label', 'secret', 'target', 'keep']);
    refuseDenied(a, 'forward', { target: 'x', secret: 'y', secret_confirm: 'y' });
  });

  it('refused: the field and the tab are hidden, and asking for or posting them answers 403', async () => {
    const a = await formAccess(resource([]), ctx, new Map(), { id: 1 });
    assert.deepEqual(a.tabs.map((t) => t.def.name), ['main']);
    assert.deepEqual(a.tabs[0].fields.map((f) => f.name), ['label']);
    refused(() => refuseDenied(a, 'forward'));
    refused(() => refuseDenied(a, 'main', { label: 'x', target: 'y' })); // a field of a refused tab
    refused(() => refuseDenied(a, 'main', { label: 'x', secret_generate: '1' })); // an input of a refused field
    refuseDenied(a, 'main', { label: 'x', labels: 'y', _csrf: 'z' });
  });

  it('the rule is asked about the row; the add form (no row yet) is not restricted', async () => {
    assert.deepEqual((await formAccess(resource(['secret']), ctx, new Map(), { id: 2 })).refusedTabs, new Set(['forward']));
    const add = await formAccess(resource([]), ctx, new Map(), null);
    assert.equal(add.refusedFields.size, 0);
    assert.deepEqual(add.tabs.map((t) => t.def.name), ['main', 'forward']);
  });
});
