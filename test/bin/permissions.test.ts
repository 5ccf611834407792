// `mailhost permissions show|set` and the client limits the CLI obeys: the operator acts as an
// admin, and a client's plan binds what the client owns, whoever adds to it.
import assert from 'node:assert/strict';
import { main } from '../../bin/cli';
import { describeEachEngineShared } from '../helpers/sharedEngineDb';
import { createAccount, ownerPermissions } from '../../lib/accounts';
import { getMailbox } from '../../lib/directory';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

describeEachEngineShared('mailhost permissions', ({ t }) => {
  async function run(...argv: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { env: { MAILHOST_DB: t().url, MAILHOST_DATA: t().dir }, out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out, err };
  }
  async function ok(...argv: string[]): Promise<string[]> {
    const r = await run(...argv);
    assert.equal(r.code, 0, `${argv.join(' ')} -> ${r.code}: ${r.err.join('\n')}`);
    return r.out;
  }
  async function bad(re: RegExp, ...argv: string[]): Promise<void> {
    const r = await run(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')} should exit 2, got ${r.code}: ${[...r.out, ...r.err].join('\n')}`);
    assert.equal(r.err.length, 1);
    assert.match(r.err[0], re);
  }
  beforeEach(async () => {
    await t().db('accounts').delete();
    await createAccount(t().db, { username: 'acme', role: 'client', password: 'Secret-pass-42' });
    await createAccount(t().db, { username: 'root', role: 'admin', password: 'Secret-pass-42' });
  });

  it('sets and shows what owners may change, per client and per mailbox', async () => {
    await ok('domain', 'add', 'acme.test');
    await ok('domain', 'set', 'acme.test', '--client', 'acme');
    await ok('mailbox', 'add', 'jo@acme.test', '--password', 'Secret-pass-42');
    assert.match((await ok('permissions', 'set', 'acme', '--deny', 'spam,digest')).join(''), /^acme: owners may password,redirect,autoreply,senders; domains unlimited/);
    await ok('permissions', 'set', 'jo@acme.test', '--deny', 'redirect', '--allow', 'digest');
    const mb = await getMailbox(t().db, 'jo@acme.test');
    assert.deepEqual([...(await ownerPermissions(t().db, mb.id))].sort(), ['autoreply', 'password', 'senders']);
    const shown = JSON.parse((await ok('permissions', 'show', 'jo@acme.test', '--json')).join(''));
    assert.deepEqual(shown, { mailbox: 'jo@acme.test', allowed: ['password', 'autoreply', 'spam', 'senders', 'digest'], effective: ['password', 'autoreply', 'senders'] });
    await bad(/unknown permission "root"/, 'permissions', 'set', 'acme', '--deny', 'root');
    await bad(/spam both allowed and denied/, 'permissions', 'set', 'acme', '--deny', 'spam', '--allow', 'spam');
    await bad(/root is an admin account/, 'permissions', 'set', 'root', '--deny', 'spam');
    await bad(/limits are set on clients/, 'permissions', 'set', 'jo@acme.test', '--max-domains', '1');
  });

  it('limits: set, shown with the use, and obeyed by mailbox add, mailbox set --quota-mb and domain set --client', async () => {
    await ok('domain', 'add', 'acme.test', '--quota-mb', '100');
    await ok('domain', 'add', 'other.test');
    await ok('domain', 'set', 'acme.test', '--client', 'acme');
    await ok('mailbox', 'add', 'jo@acme.test', '--password', 'Secret-pass-42');
    await bad(/a limit must be a whole number/, 'permissions', 'set', 'acme', '--max-mailboxes', 'many');
    await ok('permissions', 'set', 'acme', '--max-domains', '1', '--max-mailboxes', '2', '--max-quota-mb', '250');
    const shown = JSON.parse((await ok('permissions', 'show', 'acme', '--json')).join(''));
    assert.deepEqual(shown.limits, { maxDomains: 1, maxMailboxes: 2, maxQuotaMb: 250 });
    assert.deepEqual(shown.use, { domains: 1, mailboxes: 1, quotaMb: 100, unlimitedMailboxes: 0 });
    assert.match((await ok('permissions', 'show', 'acme')).join('\n'), /domains 1\/1\tmailboxes 1\/2\tquota 100\/250 MB/);

    await bad(/the plan of client acme allows 1 domains \(1 in use\)/, 'domain', 'set', 'other.test', '--client', 'acme');
    await bad(/the plan of client acme allows 250 MB of mailbox quota in all \(100 MB given\)/, 'mailbox', 'add', 'big@acme.test', '--password', 'Secret-pass-42', '--quota-mb', '151');
    await ok('mailbox', 'add', 'ann@acme.test', '--password', 'Secret-pass-42', '--quota-mb', '150');
    await bad(/the plan of client acme allows 2 mailboxes \(2 in use\)/, 'mailbox', 'add', 'three@acme.test', '--password', 'Secret-pass-42', '--quota-mb', '1');
    await bad(/allows 250 MB/, 'mailbox', 'set', 'ann@acme.test', '--quota-mb', '151');
    await ok('mailbox', 'set', 'ann@acme.test', '--quota-mb', '10');
    // a domain without client has no plan; raising the limit lets the operator go on
    await ok('mailbox', 'add', 'free@other.test', '--password', 'Secret-pass-42');
    await ok('permissions', 'set', 'acme', '--max-mailboxes', 'unlimited');
    await ok('mailbox', 'add', 'three@acme.test', '--password', 'Secret-pass-42', '--quota-mb', '1');
  });
});
