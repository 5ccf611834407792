// admin/engine/list/rows: every way of reaching a page (from the start, from the end, from an
// anchor forwards or backwards, the first page without a count) gives exactly the rows of the
// list's order, on a list big enough for each of them; counts are exact past the cap.
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { describeEachEngine } from '../../../helpers/db';
import type { Db } from '../../../../lib/core';
import { readPage } from '../../../../admin/engine/list/rows';
import { countRows, EXACT_UP_TO } from '../../../../admin/engine/list/count';
import { ANCHOR_SPAN, PAGE_SIZE } from '../../../../admin/engine/list/paging';

const ROWS = 3400; // 227 pages: deep pages (more than ANCHOR_FROM_ROWS from both ends) exist

/** domains with names in an order unrelated to their ids, and quotas full of ties */
async function seedDomains(db: Db, n: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({ name: `d${String((i * 7919) % n).padStart(5, '0')}.test`, default_quota_mb: i % 7 }));
  for (let i = 0; i < rows.length; i += 400) await db('domains').insert(rows.slice(i, i + 400));
}

const req = (query: Record<string, string>) => ({ query }) as unknown as Request;
const ids = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.id));

describeEachEngine('admin/engine/list readPage', ({ t }) => {
  const list = () => t().db('domains').select('domains.*');

  const orders: [string, boolean][] = [['domains.name', false], ['domains.default_quota_mb', false], ['domains.default_quota_mb', true]];
  for (const [orderBy, desc] of orders) {
    it(`reads every page in the list's order (${orderBy}${desc ? ' descending' : ''}): from the start, from the end, and from an anchor`, async () => {
      const db = t().db;
      await seedDomains(db, ROWS);
      const dir = desc ? 'desc' : 'asc';
      const all = ids(await db('domains').orderBy(orderBy, dir).orderBy('domains.id', dir));
      const expected = (p: number) => all.slice((p - 1) * PAGE_SIZE, p * PAGE_SIZE);
      const pages = Math.ceil(ROWS / PAGE_SIZE);
      for (const p of [1, 2, 50, 113, 114, 115, 200, pages - 1, pages]) {
        const { rows, paging } = await readPage(db, list(), 'domains', orderBy, req({ page: String(p) }), desc);
        assert.deepEqual(ids(rows), expected(p), `page ${p}`);
        assert.deepEqual([paging.page, paging.pages, paging.total], [p, pages, ROWS]);
      }
      // anchored at the first row of page 120: the pages around it, both ways
      const anchor = `120.${expected(120)[0]}`;
      for (let p = 120 - ANCHOR_SPAN; p <= 120 + ANCHOR_SPAN; p++) {
        const { rows } = await readPage(db, list(), 'domains', orderBy, req({ page: String(p), from: anchor }), desc);
        assert.deepEqual(ids(rows), expected(p), `page ${p} from the anchor`);
      }
    });
  }

  it('falls back to counting from an end when the anchor row is gone or too far', async () => {
    const db = t().db;
    await seedDomains(db, ROWS);
    const all = ids(await db('domains').orderBy('domains.name'));
    const gone = all[100 * PAGE_SIZE];
    await db('domains').where({ id: gone }).delete();
    const left = all.filter((id) => id !== gone);
    const { rows } = await readPage(db, list(), 'domains', 'domains.name', req({ page: '101', from: `101.${gone}` }));
    assert.deepEqual(ids(rows), left.slice(100 * PAGE_SIZE, 101 * PAGE_SIZE));
    const far = await readPage(db, list(), 'domains', 'domains.name', req({ page: '150', from: `101.${left[100 * PAGE_SIZE]}` }));
    assert.deepEqual(ids(far.rows), left.slice(149 * PAGE_SIZE, 150 * PAGE_SIZE));
  });

  it('keeps filters, clamps past the end, and gives an empty first page for no match', async () => {
    const db = t().db;
    await seedDomains(db, 100);
    const filtered = () => list().where('domains.default_quota_mb', 3);
    const all = ids(await db('domains').where('default_quota_mb', 3).orderBy('name'));
    const last = await readPage(db, filtered(), 'domains', 'domains.name', req({ page: '99' }));
    assert.equal(last.paging.page, 1);
    assert.deepEqual(ids(last.rows), all);
    const none = await readPage(db, list().where('domains.name', 'nothing.test'), 'domains', 'domains.name', req({}));
    assert.deepEqual([none.rows.length, none.paging.total, none.paging.pages], [0, 0, 1]);
  });

  it(`counts exactly past ${EXACT_UP_TO} rows`, async () => {
    const db = t().db;
    await seedDomains(db, EXACT_UP_TO + 37);
    assert.equal(await countRows(db, list()), EXACT_UP_TO + 37);
    assert.equal(await countRows(db, list().where('domains.default_quota_mb', 0)), Math.ceil((EXACT_UP_TO + 37) / 7));
  });
});
