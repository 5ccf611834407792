// The admin's domain and mailbox lists sort IDN names by their Unicode form on both engines
// (paged in SQL by the stored sort key, lib/core sortKey).
import assert from 'node:assert/strict';
import { domainToASCII } from 'node:url';
import { describeEachEngine } from '../helpers/db';
import { createDomain, createMailbox } from '../../lib/directory';
import { makeApp, seedWorld, login, rowIds } from './helpers';

const ECOLE = domainToASCII('école-des-arts.fr');
const NAMES = ['fabrique.fr', ECOLE, 'delta.fr'];

describeEachEngine('admin lists in IDN order', ({ t }) => {
  it('the admin lists (domains, mailboxes) sort and page by the Unicode form', async () => {
    const db = t().db;
    await seedWorld(db); // a.test, b.test
    const ids: Record<string, number> = {};
    for (const n of NAMES) ids[n] = (await createDomain(db, { name: n })).id;
    const s = await login(makeApp(t()), 'admin');
    const page = await s.get('/domains');
    assert.equal(page.status, 200);
    const order = rowIds(page.text);
    const pos = (n: string) => order.indexOf(ids[n]);
    assert.ok(pos('delta.fr') >= 0 && pos('delta.fr') < pos(ECOLE) && pos(ECOLE) < pos('fabrique.fr'), `order ${JSON.stringify(order)} ${JSON.stringify(ids)}`);
    assert.match(page.text, /école-des-arts\.fr/);

    const mids: number[] = [];
    for (const n of NAMES) mids.push((await createMailbox(db, { address: `zz@${n}`, password: 'secret-pass-1' })).mailbox.id);
    const mlist = rowIds((await s.get('/mailboxes?q_address=zz%40')).text);
    assert.deepEqual(mlist, [mids[2], mids[1], mids[0]], 'zz@delta.fr, zz@école-des-arts.fr, zz@fabrique.fr');

    // searched as people write it: "École" finds the domain stored as xn--..., and its mailbox
    assert.deepEqual(rowIds((await s.get(`/domains?q_name=${encodeURIComponent('École-des')}`)).text), [ids[ECOLE]]);
    assert.deepEqual(rowIds((await s.get(`/mailboxes?q_address=${encodeURIComponent('zz@école')}`)).text), [mids[1]]);
    assert.deepEqual(rowIds((await s.get(`/domains?q_name=${encodeURIComponent('xn--cole')}`)).text), [ids[ECOLE]], 'the stored form is still found');
  });
});
