// The `mailhost` command line: exit 0 on success, 2 with one line on bad input, 1 on a fault;
// --json output parses. Runs main() in-process against a real database.
import assert from 'node:assert/strict';
import { main } from '../../bin/cli';
import { describeEachEngineShared } from '../helpers/sharedEngineDb';
import { getMailbox, getDomain } from '../../lib/directory';
import { createAccount } from '../../lib/accounts';
import { verifyPassword } from '../../lib/core';

interface Run { code: number; out: string[]; err: string[] }

describeEachEngineShared('mailhost CLI', ({ t }) => {
  async function run(...argv: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const env = { MAILHOST_DB: t().url, MAILHOST_DATA: t().dir };
    const code = await main(argv, { env, out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out, err };
  }
  async function ok(...argv: string[]): Promise<string[]> {
    const r = await run(...argv);
    assert.equal(r.code, 0, `${argv.join(' ')} -> ${r.code}: ${r.err.join('\n')}`);
    assert.deepEqual(r.err, []);
    return r.out;
  }
  /** exit 2 with exactly one line on stderr (matching `re`), nothing on stdout */
  async function bad(re: RegExp, ...argv: string[]): Promise<void> {
    const r = await run(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')} should exit 2, got ${r.code}: ${[...r.out, ...r.err].join('\n')}`);
    assert.equal(r.err.length, 1, `one stderr line, got ${JSON.stringify(r.err)}`);
    assert.ok(!r.err[0].includes('\n'), `one line, got ${JSON.stringify(r.err[0])}`);
    assert.match(r.err[0], /^mailhost: /);
    assert.match(r.err[0], re);
    assert.deepEqual(r.out, []);
  }
  async function json<T = unknown>(...argv: string[]): Promise<T> {
    return JSON.parse((await ok(...argv, '--json')).join('\n')) as T;
  }
  async function provision(): Promise<void> {
    await ok('domain', 'add', 'example.com');
    await ok('mailbox', 'add', 'jean@example.com', '--password', 'secret-pass-1');
  }

  it('migrate: 0, and again 0 (up to date)', async () => {
    assert.ok((await ok('migrate')).length === 1);
    assert.match((await ok('migrate')).join(''), /up to date/);
  });

  it('help: 0 with usage; no command: 2 with usage', async () => {
    assert.match((await ok('help')).join('\n'), /mailhost domain add/);
    const r = await run();
    assert.equal(r.code, 2);
    assert.match(r.out.join('\n'), /usage: mailhost/);
  });

  it('provisions domains, mailboxes, aliases, catch-alls, domain aliases and lists them as JSON', async () => {
    await ok('domain', 'add', 'Example.COM', '--quota-mb', '100');
    await ok('domain', 'add', 'exämple.fr');
    await ok('domain-alias', 'add', 'alias.test', 'example.com');
    await ok('mailbox', 'add', 'jean@example.com', '--password', 'secret-pass-1', '--name', 'Jean Dupont');
    await ok('mailbox', 'add', 'marie@example.com', '--password', 'secret-pass-2', '--quota-mb', '5');
    await ok('alias', 'add', 'info@example.com', 'jean@example.com', 'marie@example.com');
    await ok('alias', 'add', '*@example.com', 'jean@example.com');
    await ok('mailbox', 'set', 'marie@example.com', '--redirect', 'out@remote.test,other@remote.test', '--keep-copy', 'yes', '--active', 'no');

    const domains = await json<{ name: string; display: string; active: boolean; default_quota_mb: number }[]>('domain', 'list');
    assert.deepEqual(
      domains.map((d) => [d.name, d.display, d.active, d.default_quota_mb]),
      [
        ['example.com', 'example.com', true, 100],
        ['xn--exmple-cua.fr', 'exämple.fr', true, 0],
      ],
    );
    const mailboxes = await json<{ address: string; name: string; active: boolean; quota_mb: number; redirect_to: string[]; keep_copy: boolean }[]>('mailbox', 'list', 'example.com');
    assert.deepEqual(
      mailboxes.map((m) => [m.address, m.name, m.active, m.quota_mb, m.redirect_to, m.keep_copy]),
      [
        ['jean@example.com', 'Jean Dupont', true, 100, [], false],
        ['marie@example.com', '', false, 5, ['out@remote.test', 'other@remote.test'], true],
      ],
    );
    const aliases = await json<{ address: string; kind: string; targets: string[] }[]>('alias', 'list', 'example.com');
    assert.deepEqual(
      aliases.map((a) => [a.address, a.kind, a.targets]),
      [
        ['*@example.com', 'catchall', ['jean@example.com']],
        ['abuse@example.com', 'postmaster', []],
        ['info@example.com', 'alias', ['jean@example.com', 'marie@example.com']],
        ['postmaster@example.com', 'postmaster', []],
      ],
    );
    assert.deepEqual(await json('domain-alias', 'list'), [{ name: 'alias.test', domain: 'example.com', active: true }]);
    assert.deepEqual(await json('domain-alias', 'list', 'example.com'), [{ name: 'alias.test', domain: 'example.com', active: true }]);
    await bad(/domain nope\.test does not exist/, 'domain-alias', 'list', 'nope.test');
    assert.deepEqual(await json('mailbox', 'list', 'exämple.fr'), []);
  });

  it('stores a Dovecot-style hash of the given password', async () => {
    await provision();
    const mb = await getMailbox(t().db, 'jean@example.com');
    const row = await t().db('mailboxes').where({ id: mb.id }).first('password_hash');
    assert.match(row.password_hash, /^\{BLF-CRYPT\}\$2y\$/);
    assert.ok(await verifyPassword('secret-pass-1', row.password_hash));
  });

  it('--generate-password prints a password that works', async () => {
    await ok('domain', 'add', 'example.com');
    const out = (await ok('mailbox', 'add', 'gen@example.com', '--generate-password')).join('\n');
    const m = /password: (\S+)/.exec(out);
    assert.ok(m, out);
    const row = await t().db('mailboxes').where({ address: 'gen@example.com' }).first('password_hash');
    assert.ok(await verifyPassword(m[1], row.password_hash));
  });

  it('domain set gives a domain to a client (or none), changes its state and default quota', async () => {
    await ok('domain', 'add', 'example.com');
    const { account } = await createAccount(t().db, { username: 'acme', role: 'client', password: 'secret-pass-1' });
    await createAccount(t().db, { username: 'boss', role: 'admin', password: 'secret-pass-1' });
    await ok('domain', 'set', 'example.com', '--client', 'acme', '--active', 'no', '--quota-mb', '250');
    let d = await getDomain(t().db, 'example.com');
    assert.deepEqual([d.client_id, d.active, d.default_quota_mb], [account.id, false, 250]);
    await ok('domain', 'set', 'example.com', '--client', 'none', '--active', 'yes');
    d = await getDomain(t().db, 'example.com');
    assert.deepEqual([d.client_id, d.active, d.default_quota_mb], [null, true, 250]);
    await bad(/no client account named "nobody"/, 'domain', 'set', 'example.com', '--client', 'nobody');
    await bad(/boss is an admin account, not a client/, 'domain', 'set', 'example.com', '--client', 'boss');
    await bad(/does not exist/, 'domain', 'set', 'missing.example', '--active', 'no');
  });

  it('mailbox set --recovery-email and --single-session: stored, cleared with ""; a bad address refused', async () => {
    await provision();
    await ok('mailbox', 'set', 'jean@example.com', '--recovery-email', 'Jean.Home@Remote.test', '--single-session', 'yes');
    let row = await t().db('mailboxes').where({ address: 'jean@example.com' }).first('recovery_email', 'single_session');
    assert.deepEqual([row.recovery_email, !!row.single_session], ['jean.home@remote.test', true]);
    await bad(/invalid address/, 'mailbox', 'set', 'jean@example.com', '--recovery-email', 'not an address');
    await ok('mailbox', 'set', 'jean@example.com', '--recovery-email', '', '--single-session', 'no');
    row = await t().db('mailboxes').where({ address: 'jean@example.com' }).first('recovery_email', 'single_session');
    assert.deepEqual([row.recovery_email, !!row.single_session], [null, false]);
  });

  it('records its changes in the audit log as the operator (flag names, never values); reads and refusals leave no line', async () => {
    await t().db('audit_log').delete(); // the database is shared by this file's tests
    await ok('domain', 'add', 'example.com');
    await ok('mailbox', 'add', 'jean@example.com', '--password', 'secret-pass-1');
    await ok('mailbox', 'list', '--json');
    await bad(/does not exist/, 'mailbox', 'set', 'ghost@example.com', '--active', 'no');
    const rows = await t().db('audit_log').orderBy('id').select('actor_role', 'action', 'resource', 'object_label', 'details');
    assert.deepEqual(
      rows.map((r) => [r.actor_role, r.action, r.resource, r.object_label]),
      [
        ['operator', 'create', 'cli:domain add', 'example.com'],
        ['operator', 'create', 'cli:mailbox add', 'jean@example.com'],
      ],
    );
    assert.deepEqual(JSON.parse(rows[1].details), { fields: ['password'] });
    assert.doesNotMatch(JSON.stringify(rows), /secret-pass-1/);
  });

  it('an audit line carries the domain it is about (named, or through an address or a domain alias); a global entry none', async () => {
    await t().db('audit_log').delete();
    await provision();
    await ok('domain-alias', 'add', 'alias.test', 'example.com');
    await ok('alias', 'add', 'info@example.com', 'jean@example.com');
    await ok('list', 'add', 'block', 'example.com');
    await ok('list', 'add', 'block', 'spam.test', '--mailbox', 'jean@example.com');
    const d = await getDomain(t().db, 'example.com');
    const rows = await t().db('audit_log').orderBy('id').select('resource', 'domain_id');
    assert.deepEqual(
      rows.map((r) => [r.resource, r.domain_id == null ? null : Number(r.domain_id)]),
      [
        ['cli:domain add', d.id],
        ['cli:mailbox add', d.id],
        ['cli:domain-alias add', d.id],
        ['cli:alias add', d.id],
        ['cli:list add', null],
        ['cli:list add', d.id],
      ],
    );
  });

  it('rules check tells how many spam rules were loaded and skipped, and why', async () => {
    const r = JSON.parse((await ok('rules', 'check', '--json')).join('\n')) as { loaded: number; skipped: number; files: number; reasons: { reason: string; count: number }[] };
    assert.ok(r.loaded > 0 && r.files > 0, JSON.stringify(r).slice(0, 200)); // our own rule file at least
    assert.equal(r.reasons.reduce((n, x) => n + x.count, 0), r.skipped);
    const text = (await ok('rules', 'check')).join('\n');
    assert.match(text, new RegExp(`${r.loaded} rules loaded, ${r.skipped} skipped`));
  });

  it('del commands remove what they name', async () => {
    await provision();
    await ok('alias', 'add', 'info@example.com', 'jean@example.com');
    await ok('alias', 'del', 'info@example.com');
    await ok('mailbox', 'del', 'jean@example.com');
    await ok('domain-alias', 'add', 'alias.test', 'example.com');
    await ok('domain-alias', 'del', 'alias.test');
    await ok('domain', 'del', 'example.com');
    assert.deepEqual(await json('domain', 'list'), []);
    assert.deepEqual(await json('mailbox', 'list'), []);
    assert.deepEqual(await json('alias', 'list'), []);
  });

  describe('bad input: exit 2, one line', () => {
    it('unknown command', () => bad(/unknown command/, 'frobnicate'));
    it('unknown action', () => bad(/usage/, 'domain', 'rename', 'example.com'));
    it('unknown flag', async () => {
      await provision();
      await bad(/--colour|unknown/i, 'mailbox', 'set', 'jean@example.com', '--colour', 'red');
    });
    it('unknown flag on add', () => bad(/./, 'domain', 'add', 'example.com', '--quota', '5'));
    it('bad domain name', () => bad(/invalid domain/, 'domain', 'add', 'not_a_domain'));
    it('bad address', async () => {
      await provision();
      await bad(/invalid address/, 'mailbox', 'add', 'not-an-address', '--password', 'secret-pass-1');
    });
    it('bad alias target', async () => {
      await provision();
      await bad(/invalid address/, 'alias', 'add', 'info@example.com', 'jean@@example.com');
    });
    it('bad quota (not a number)', () => bad(/--quota-mb/, 'domain', 'add', 'example.com', '--quota-mb', 'lots'));
    it('bad quota (negative)', async () => {
      await provision();
      await bad(/quota/, 'mailbox', 'set', 'jean@example.com', '--quota-mb', '-5');
    });
    it('bad quota (fraction)', async () => {
      await ok('domain', 'add', 'example.com');
      await bad(/quota/, 'mailbox', 'add', 'x@example.com', '--password', 'secret-pass-1', '--quota-mb', '1.5');
    });
    it('bad yes/no', async () => {
      await provision();
      await bad(/--active/, 'mailbox', 'set', 'jean@example.com', '--active', 'maybe');
    });
    it('missing arguments', async () => {
      await bad(/usage/, 'domain', 'add');
      await bad(/usage/, 'mailbox', 'add');
      await bad(/usage/, 'alias', 'add', 'info@example.com');
      await bad(/usage/, 'domain-alias', 'add', 'alias.test');
      await bad(/usage/, 'mailbox', 'del');
    });
    it('mailbox add without a password choice', async () => {
      await ok('domain', 'add', 'example.com');
      await bad(/password/, 'mailbox', 'add', 'x@example.com');
      await bad(/password/, 'mailbox', 'add', 'x@example.com', '--password', 'secret-pass-1', '--generate-password');
    });
    it('weak passwords', async () => {
      await ok('domain', 'add', 'example.com');
      await bad(/8 characters/, 'mailbox', 'add', 'x@example.com', '--password', 'short');
      await bad(/letter or a digit/, 'mailbox', 'add', 'x@example.com', '--password=-starts-with-dash');
    });
    it('mailbox on a domain we do not host', () => bad(/not hosted/, 'mailbox', 'add', 'x@nowhere.test', '--password', 'secret-pass-1'));
    it('duplicates', async () => {
      await provision();
      await bad(/already exists/, 'domain', 'add', 'EXAMPLE.com');
      await bad(/already exists/, 'mailbox', 'add', 'Jean@example.com', '--password', 'secret-pass-1');
      await bad(/already exists/, 'alias', 'add', 'jean@example.com', 'x@remote.test');
      await bad(/already exists/, 'domain-alias', 'add', 'example.com', 'example.com');
    });
    it('alias pointing at itself', async () => {
      await provision();
      await bad(/itself/, 'alias', 'add', 'info@example.com', 'INFO@example.com');
    });
    it('mailbox redirecting to itself', async () => {
      await provision();
      await bad(/itself/, 'mailbox', 'set', 'jean@example.com', '--redirect', 'jean@example.com');
    });
    it('deleting what does not exist', async () => {
      await provision();
      await bad(/does not exist/, 'mailbox', 'del', 'ghost@example.com');
      await bad(/does not exist/, 'alias', 'del', 'ghost@example.com');
      await bad(/does not exist/, 'domain', 'del', 'ghost.test');
    });
    it('postmaster deletion is refused (alias or mailbox)', async () => {
      await provision();
      await bad(/postmaster/, 'alias', 'del', 'postmaster@example.com');
      await ok('mailbox', 'add', 'postmaster@example.com', '--password', 'secret-pass-1');
      await bad(/postmaster/, 'mailbox', 'del', 'postmaster@example.com');
      const aliasesOrMailbox = await json<{ address: string }[]>('mailbox', 'list');
      assert.ok(aliasesOrMailbox.some((m) => m.address === 'postmaster@example.com'));
    });
    it('postmaster@ and abuse@ (RFC 2142) of every domain exist without being added', async () => {
      await ok('domain', 'add', 'example.com');
      const aliases = await json<{ address: string; kind: string }[]>('alias', 'list');
      assert.deepEqual(aliases, [
        { address: 'abuse@example.com', kind: 'postmaster', active: true, targets: [] },
        { address: 'postmaster@example.com', kind: 'postmaster', active: true, targets: [] },
      ]);
      // setting its targets is allowed (it is never "added" twice)
      await ok('alias', 'add', 'postmaster@example.com', 'hostmaster@isp.test');
      assert.deepEqual((await json<{ targets: string[] }[]>('alias', 'list'))[1].targets, ['hostmaster@isp.test']);
      await bad(/abuse@ cannot be deleted/, 'alias', 'del', 'abuse@example.com');
    });
    it('bad environment (MAILHOST_SMTP_LISTEN) is bad input too', async () => {
      const err: string[] = [];
      const code = await main(['domain', 'list'], { env: { MAILHOST_DB: t().url, MAILHOST_SMTP_LISTEN: 'nonsense' }, out: () => undefined, err: (s) => err.push(s) });
      assert.equal(code, 2);
      assert.equal(err.length, 1);
    });
  });

  it('help <group>, <group> --help and <group> <action> --help: 0, written from the declarations', async () => {
    const group = (await ok('help', 'policy')).join('\n');
    assert.match(group, /^mailhost policy: /);
    assert.match(group, /mailhost policy add <name> \[--threshold N\]/);
    assert.match(group, /--antivirus yes\|no +scan for viruses/);
    assert.deepEqual(await ok('policy', '--help'), await ok('help', 'policy'));
    const one = (await ok('policy', 'assign', '--help')).join('\n');
    assert.match(one, /mailhost policy assign <name\|none> <domain\|address>/);
    assert.doesNotMatch(one, /policy add/);
    assert.match((await ok('purge', '--help')).join('\n'), /--token-days N/);
    await bad(/unknown command "nosuch"/, 'help', 'nosuch');
  });

  it('a negative number is a value: policy add --threshold -100', async () => {
    await ok('policy', 'add', 'lenient', '--threshold', '-100', '--action', 'junk');
    const rows = await json<{ name: string; threshold: number }[]>('policy', 'list');
    assert.equal(rows.find((p) => p.name === 'lenient')?.threshold, -100);
    await ok('policy', 'set', 'lenient', '--threshold=-2.5');
    assert.equal((await json<{ name: string; threshold: number }[]>('policy', 'list')).find((p) => p.name === 'lenient')?.threshold, -2.5);
    await bad(/--threshold' argument is ambiguous/, 'policy', 'set', 'lenient', '--threshold', '--json');
  });

  it('migrate --unlock releases the lock a killed migration left', async () => {
    await ok('migrate');
    await t().db('knex_migrations_lock').update({ is_locked: 1 });
    assert.match((await ok('migrate', '--unlock')).join(''), /lock released/);
    assert.deepEqual((await t().db('knex_migrations_lock').select('is_locked')).map((r) => Number(r.is_locked)), [0]);
    assert.match((await ok('migrate')).join(''), /up to date/);
  });

  it('a database that cannot be reached is a fault: exit 1, one line', async () => {
    const err: string[] = [];
    const code = await main(['domain', 'list'], { env: { MAILHOST_DB: 'mysql://root@127.0.0.1:1/nothing' }, out: () => undefined, err: (s) => err.push(s) });
    assert.equal(code, 1);
    assert.equal(err.length, 1);
    assert.match(err[0], /^mailhost: internal error/);
  });
});
