// The statistics page over HTTP: each login sees its own scope (a mailbox owner their mailbox,
// a client their domains, an admin everything plus the top domains), 7/30/365 days, SVG charts
// drawn on the server with no inline style or script (strict CSP).
import assert from 'node:assert/strict';
import { describeEachEngine } from '../helpers/db';
import { StatsBatcher } from '../../lib/stats';
import { makeApp, login, seedWorld, textOf, PASSWORD } from './helpers';

/** The figure of one counter in the totals table. */
function total(html: string, counter: string): string {
  const m = new RegExp(`<tr data-counter="${counter}">[^]*?<td class="text-end">([^<]*)</td>`).exec(html);
  assert.ok(m, `no total for ${counter}`);
  return m[1];
}

describeEachEngine('admin statistics page', ({ t }) => {
  async function setup() {
    const db = t().db;
    const w = await seedWorld(db);
    const b = new StatsBatcher(db);
    const alice = await db('mailboxes').where({ id: w.mailboxA }).first('id', 'domain_id');
    const bob = await db('mailboxes').where({ id: w.mailboxB }).first('id', 'domain_id');
    b.add({ mailboxId: alice.id, domainId: alice.domain_id }, { received: 3, inbox: 3, bytes: 3000 });
    b.add({ mailboxId: bob.id, domainId: bob.domain_id }, { received: 5, junk: 4, quarantined: 1, quarantined_spam: 1, bytes: 5000 });
    b.add({ address: 'nobody@a.test' }, { refused_rcpt: 2 });
    await b.stop();
    return { app: makeApp(t()), w };
  }

  it('admin: everything, six charts, the top domains (most received first); no inline style or script', async () => {
    const { app } = await setup();
    const s = await login(app, 'admin');
    const r = await s.get('/stats');
    assert.equal(r.status, 200);
    assert.equal(total(r.text, 'received'), '8');
    assert.equal(total(r.text, 'refused_rcpt'), '2');
    assert.equal(total(r.text, 'quarantined_spam'), '1');
    assert.equal((r.text.match(/<svg /g) ?? []).length, 6);
    // 7 days: 7 bars a chart
    assert.equal((r.text.match(/<rect /g) ?? []).length, 42);
    const top = /<table class="table table-sm w-auto" id="stats-top">([^]*?)<\/table>/.exec(r.text);
    assert.ok(top, 'top domains table');
    assert.match(textOf(top[1]), /b\.test\s+5\s+5,000\s+a\.test\s+3\s+3,000/);
    assert.doesNotMatch(r.text, /\sstyle=|<script(?![^>]*\bsrc=)/);
    assert.match(r.text, /<a class="[^"]*" href="\/stats"[^>]*>/, 'menu entry');
  });

  it('client: only the domains it owns, no top domains', async () => {
    const { app } = await setup();
    const s = await login(app, 'clienta');
    const r = await s.get('/stats');
    assert.equal(total(r.text, 'received'), '3');
    assert.equal(total(r.text, 'junk'), '0');
    assert.equal(total(r.text, 'refused_rcpt'), '2');
    assert.doesNotMatch(r.text, /id="stats-top"/);
  });

  it('mailbox owner: their own mailbox only; 30 and 365 days; an unknown period is 7 days', async () => {
    const { app } = await setup();
    const s = await login(app, 'bob@b.test', PASSWORD);
    const r = await s.get('/stats?days=30');
    assert.equal(total(r.text, 'received'), '5');
    assert.equal(total(r.text, 'refused_rcpt'), '0');
    assert.equal((r.text.match(/<rect /g) ?? []).length, 6 * 30);
    assert.match(r.text, /class="nav-link active" href="\/stats\?days=30"/);
    const year = await s.get('/stats?days=365');
    assert.equal((year.text.match(/<rect /g) ?? []).length, 6 * 365);
    const odd = await s.get('/stats?days=12');
    assert.equal((odd.text.match(/<rect /g) ?? []).length, 6 * 7);
  });
});
