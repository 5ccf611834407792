// `mailhost ticket list`: every ticket, latest activity first, filtered by status; --json parses.
import assert from 'node:assert/strict';
import { main } from '../../bin/cli';
import { describeEachEngine } from '../helpers/db';
import { createAccount, principalOfAccount, principalOfMailbox } from '../../lib/accounts';
import { createDomain, createMailbox } from '../../lib/directory';
import { openTicket, closeTicket } from '../../lib/helpdesk';

describeEachEngine('mailhost ticket list', ({ t }) => {
  async function ok(...argv: string[]): Promise<string[]> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { env: { MAILHOST_DB: t().url, MAILHOST_DATA: t().dir }, out: (s) => out.push(s), err: (s) => err.push(s) });
    assert.equal(code, 0, err.join('\n'));
    return out;
  }

  it('lists every ticket, filters by status, and prints JSON', async () => {
    const db = t().db;
    assert.deepEqual(await ok('ticket', 'list'), ['no ticket']);
    const client = await createAccount(db, { username: 'clienta', role: 'client', password: 'Secret-pass-42' });
    await createDomain(db, { name: 'a.test', clientId: client.account.id });
    const mb = await createMailbox(db, { address: 'alice@a.test', password: 'Secret-pass-42' });
    const alice = principalOfMailbox(await db('mailboxes').where({ id: mb.mailbox.id }).first());
    const first = await openTicket(db, alice, { subject: 'No mail', category: 'reception', text: 'Nothing arrives.' }, 1_000_000);
    await openTicket(db, principalOfAccount(client.account), { subject: 'More domains', category: 'other', text: 'Please.' }, 2_000_000);
    await closeTicket(db, alice, first.ticket.id, 3_000_000);
    const lines = await ok('ticket', 'list');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^#1\tclosed\treception\talice@a\.test\t1970-01-01T00:50:00\.000Z\tNo mail$/);
    assert.match(lines[1], /^#2\topen\tother\tclienta\t/);
    const open = JSON.parse((await ok('ticket', 'list', '--status', 'open', '--json')).join('\n'));
    assert.deepEqual(
      open.map((x: Record<string, unknown>) => [x.id, x.subject, x.status, x.opener, x.last_side, x.closed]),
      [[2, 'More domains', 'open', 'clienta', 'opener', null]],
    );
  });
});
