// Sender lists: pattern normalisation and matching as tables (anchoring, wildcards, IDN,
// case), the precedence rules, and the database side (CRUD, one-query loading, RCPT blocks)
// on SQLite and MariaDB.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { type Db, MailhostError } from '../../../lib/core';
import {
  normalizePattern,
  patternMatches,
  headerFromAddress,
  evaluateLists,
  fromAuthenticated,
  addListEntry,
  deleteListEntry,
  listEntries,
  loadListsFor,
  envelopeBlocks,
  scopeRefFor,
  type ListRow,
  type ScopeRef,
} from '../../../lib/policy';
import { createDomain, createMailbox, resolveRecipient, type Target, sqlDirectory, type DirMailbox } from '../../../lib/directory';

describe('sender list patterns', () => {
  const canonical: [string, string][] = [
    ['user@example.com', 'user@example.com'],
    ['User@Example.COM', 'user@example.com'],
    ['<user@example.com>', 'user@example.com'],
    ['*@example.com', '*@example.com'],
    ['@example.com', '*@example.com'],
    ['example.com', '*@example.com'],
    ['example.com.', '*@example.com'],
    ['*.example.com', '*@*.example.com'],
    ['*@*.example.com', '*@*.example.com'],
    ['news*@example.com', 'news*@example.com'],
    ['**@example.com', '*@example.com'],
    ['*', '*@*'],
    ['postmaster@*', 'postmaster@*'],
    ['*@bücher.de', '*@xn--bcher-kva.de'],
    ['Jörg@BÜCHER.de', 'jörg@xn--bcher-kva.de'],
    ['*.bücher.de', '*@*.xn--bcher-kva.de'],
    ['*.ru', '*@*.ru'],
  ];
  for (const [input, want] of canonical) {
    it(`normalises ${JSON.stringify(input)} to ${want}`, () => assert.equal(normalizePattern(input), want));
  }

  const refused = ['', '   ', 'a b@example.com', 'a@b@example.com', 'user@', 'com', '.example.com', 'example..com', 'a,b@example.com', '*@bü*.de', 'user@-bad.com', '"q"@example.com'];
  for (const input of refused) {
    it(`refuses ${JSON.stringify(input)} with a field error`, () => {
      assert.throws(
        () => normalizePattern(input),
        (e: unknown) => e instanceof MailhostError && e.code === 'invalid' && e.field === 'pattern',
      );
    });
  }

  // [pattern as typed, sender, matches?]
  const table: [string, string, boolean][] = [
    // exact address
    ['user@example.com', 'user@example.com', true],
    ['user@example.com', 'USER@EXAMPLE.COM', true],
    ['user@example.com', 'user2@example.com', false],
    ['user@example.com', 'xuser@example.com', false],
    ['user@example.com', 'user@example.com.evil', false],
    ['user@example.com', 'user@sub.example.com', false],
    // domain forms are anchored: never a suffix or prefix match
    ['example.com', 'x@example.com', true],
    ['example.com', 'x@notexample.com', false],
    ['example.com', 'x@notexample.com.evil', false],
    ['example.com', 'x@example.com.evil', false],
    ['example.com', 'x@sub.example.com', false],
    ['@example.com', 'x@example.com', true],
    ['@example.com', 'x@evil-example.com', false],
    ['*@example.com', 'a@example.com', true],
    ['*@example.com', 'a@sub.example.com', false],
    ['*@example.com', 'a@example.co', false],
    // subdomains only when the pattern says so
    ['*.example.com', 'a@sub.example.com', true],
    ['*.example.com', 'a@deep.sub.example.com', true],
    ['*.example.com', 'a@example.com', false],
    ['*.example.com', 'a@badexample.com', false],
    ['*.example.com', 'a@sub.example.com.evil', false],
    // wildcards anywhere, never crossing '@'
    ['news*@example.com', 'newsletter@example.com', true],
    ['news*@example.com', 'news@example.com', true],
    ['news*@example.com', 'thenews@example.com', false],
    ['*-bounces@lists.example.org', 'dev-bounces@lists.example.org', true],
    ['*-bounces@lists.example.org', 'dev-bounces@lists.example.org.evil', false],
    ['user@*', 'user@anything.example', true],
    ['user@*', 'user2@anything.example', false],
    ['*@mail*.example.com', 'a@mail3.example.com', true],
    ['*@mail*.example.com', 'a@smail3.example.com', false],
    ['*', 'anyone@anywhere.example', true],
    ['*', '', false],
    // regex metacharacters are literal
    ['a.b@example.com', 'axb@example.com', false],
    ['a+tag@example.com', 'a+tag@example.com', true],
    ['a+tag@example.com', 'aatag@example.com', false],
    ['*@ex-ample.com', 'a@exxample.com', false],
    // IDN: Unicode and ASCII forms are the same domain
    ['*@bücher.de', 'info@xn--bcher-kva.de', true],
    ['*@bücher.de', 'info@BÜCHER.de', true],
    ['*@xn--bcher-kva.de', 'info@bücher.de', true],
    ['*@bücher.de', 'info@bucher.de', false],
    ['*.bücher.de', 'a@shop.bücher.de', true],
    ['jörg@bücher.de', 'JÖRG@bücher.de', true],
  ];
  for (const [pattern, sender, want] of table) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} ${JSON.stringify(sender)}`, () => {
      assert.equal(patternMatches(normalizePattern(pattern), sender), want);
    });
  }

  const froms: [string, string | null][] = [
    ['"Shop, Inc" <news@shop.example>', 'news@shop.example'],
    ['news@shop.example', 'news@shop.example'],
    ['news@shop.example (The Shop)', 'news@shop.example'],
    ['=?utf-8?Q?Caf=C3=A9?= <cafe@example.fr>', 'cafe@example.fr'],
    ['Name <a@b.example>, Other <c@d.example>', 'a@b.example'],
    ['undisclosed-recipients:;', null],
    ['', null],
  ];
  for (const [value, want] of froms) {
    it(`reads the From address of ${JSON.stringify(value)}`, () => assert.equal(headerFromAddress(value), want));
  }

  it('trusts a header From only for an SPF/DKIM pass of its domain or a parent of it', () => {
    assert.equal(fromAuthenticated('example.com', { spf: ['example.com'] }), true);
    assert.equal(fromAuthenticated('news.example.com', { dkim: ['example.com'] }), true);
    assert.equal(fromAuthenticated('example.com', { dkim: ['news.example.com'] }), false);
    assert.equal(fromAuthenticated('example.com', { spf: ['notexample.com'] }), false);
    assert.equal(fromAuthenticated('example.com', { spf: ['com'] }), false);
    assert.equal(fromAuthenticated('example.com', {}), false);
    assert.equal(fromAuthenticated(null, { spf: ['example.com'] }), false);
  });
});

describe('sender list precedence', () => {
  let nextId = 1;
  const row = (scope: ListRow['scope'], kind: ListRow['kind'], pattern: string): ListRow => ({
    id: nextId++,
    scope,
    kind,
    pattern: normalizePattern(pattern),
    domain_id: scope === 'domain' ? 10 : null,
    mailbox_id: scope === 'mailbox' ? 100 : null,
    mailbox_address: scope === 'mailbox' ? 'jean@example.com' : null,
    domain_name: scope === 'domain' ? 'example.com' : null,
    comment: '',
  });
  const me: ScopeRef = { mailboxId: 100, mailboxAddress: 'jean@example.com', domainId: 10 };

  // [name, rows, senders, expected decision, expected scope]
  const cases: [string, ListRow[], Parameters<typeof evaluateLists>[2], 'allow' | 'block' | null, string | undefined][] = [
    ['no entries: no decision', [], { envelope: 'a@spam.example' }, null, undefined],
    ['global block', [row('global', 'block', 'spam.example')], { envelope: 'a@spam.example' }, 'block', 'global'],
    ['domain allow beats global block', [row('global', 'block', 'spam.example'), row('domain', 'allow', 'a@spam.example')], { envelope: 'a@spam.example' }, 'allow', 'domain'],
    ['mailbox block beats domain allow', [row('domain', 'allow', 'spam.example'), row('mailbox', 'block', 'spam.example')], { envelope: 'a@spam.example' }, 'block', 'mailbox'],
    ['mailbox allow beats global block', [row('global', 'block', '*'), row('mailbox', 'allow', 'friend@spam.example')], { envelope: 'friend@spam.example' }, 'allow', 'mailbox'],
    ['within a scope allow beats block', [row('domain', 'block', 'spam.example'), row('domain', 'allow', 'a@spam.example')], { envelope: 'a@spam.example' }, 'allow', 'domain'],
    ['within a scope allow beats block (wider allow)', [row('mailbox', 'block', 'a@spam.example'), row('mailbox', 'allow', '*.example'), row('mailbox', 'allow', 'spam.example')], { envelope: 'a@spam.example' }, 'allow', 'mailbox'],
    ['a scope without a matching entry does not decide', [row('mailbox', 'block', 'other.example'), row('global', 'allow', 'spam.example')], { envelope: 'a@spam.example' }, 'allow', 'global'],
    ['header From counts for block', [row('mailbox', 'block', 'spam.example')], { envelope: 'bounce@esp.example', headerFrom: 'a@spam.example' }, 'block', 'mailbox'],
    ['untrusted header From never allows', [row('mailbox', 'allow', 'bank.example')], { envelope: 'x@evil.example', headerFrom: 'ceo@bank.example', fromTrusted: false }, null, undefined],
    ['trusted header From allows', [row('mailbox', 'allow', 'bank.example')], { envelope: 'bounce@esp.example', headerFrom: 'ceo@bank.example', fromTrusted: true }, 'allow', 'mailbox'],
    ['untrusted From allow does not shadow a block of the same scope', [row('domain', 'allow', 'bank.example'), row('domain', 'block', 'evil.example')], { envelope: 'x@evil.example', headerFrom: 'ceo@bank.example' }, 'block', 'domain'],
    ['newsletter entries take no part in allow/block', [row('mailbox', 'newsletter', 'shop.example'), row('global', 'block', 'shop.example')], { envelope: 'n@shop.example' }, 'block', 'global'],
    ['entries of other mailboxes and domains are ignored', [{ ...row('mailbox', 'block', '*'), mailbox_id: 101, mailbox_address: 'marie@example.com' }, { ...row('domain', 'block', '*'), domain_id: 11, domain_name: 'other.example' }], { envelope: 'a@spam.example' }, null, undefined],
  ];
  for (const [name, rows, senders, decision, scope] of cases) {
    it(name, () => {
      const d = evaluateLists(rows, me, senders);
      assert.equal(d.decision, decision);
      assert.equal(d.scope, scope);
    });
  }

  it('a newsletter entry at any scope marks the sender, by envelope or header From', () => {
    assert.equal(evaluateLists([row('global', 'newsletter', 'shop.example')], me, { envelope: 'n@shop.example' }).newsletter, true);
    assert.equal(evaluateLists([row('mailbox', 'newsletter', 'shop.example')], me, { envelope: 'b@esp.example', headerFrom: 'n@shop.example' }).newsletter, true);
    assert.equal(evaluateLists([row('mailbox', 'newsletter', 'shop.example')], me, { envelope: 'n@other.example' }).newsletter, false);
  });

  it('matches an external target by the address of its owner (alias or redirecting mailbox)', () => {
    const ext: Target = { kind: 'external', address: 'far@remote.example', via: ['team@example.com', 'team@example.com'] };
    const ref = scopeRefFor(ext);
    assert.deepEqual(ref, { mailboxAddress: 'team@example.com', domainName: 'example.com' });
    assert.equal(evaluateLists([row('domain', 'block', 'spam.example')], ref, { envelope: 'a@spam.example' }).decision, 'block');
  });
});

describeEachEngine('sender lists in the database', ({ t }) => {
  async function setup(db: Db) {
    const d = await createDomain(db, { name: 'example.com' });
    const other = await createDomain(db, { name: 'other.example' });
    const jean = (await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' })).mailbox;
    const marie = (await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' })).mailbox;
    return { d, other, jean, marie };
  }
  const local = (mb: { id: number; domain_id: number; address: string }): Target => ({ kind: 'local', mailbox: { ...mb, spam_policy_id: null } as unknown as DirMailbox, via: [mb.address] });

  it('adds, lists, refuses duplicates and deletes entries at each scope', async () => {
    const { db } = t();
    await setup(db);
    await addListEntry(db, { kind: 'block', pattern: 'Spam.Example' });
    await addListEntry(db, { kind: 'allow', pattern: '*@bücher.de', domain: 'example.com' });
    await addListEntry(db, { kind: 'newsletter', pattern: 'news@shop.example', mailbox: 'jean@example.com', comment: 'weekly' });
    await assert.rejects(addListEntry(db, { kind: 'block', pattern: '@spam.example' }), (e: MailhostError) => e.code === 'conflict');
    await assert.rejects(addListEntry(db, { kind: 'maybe', pattern: 'x.example' }), (e: MailhostError) => e.code === 'invalid' && e.field === 'kind');
    await assert.rejects(addListEntry(db, { kind: 'allow', pattern: 'x.example', mailbox: 'nobody@example.com' }), (e: MailhostError) => e.code === 'not_found');
    await assert.rejects(addListEntry(db, { kind: 'allow', pattern: 'x.example', domain: 'example.com', mailbox: 'jean@example.com' }), (e: MailhostError) => e.code === 'invalid');
    // the same pattern may be on different owners' lists
    await addListEntry(db, { kind: 'block', pattern: 'spam.example', mailbox: 'jean@example.com' });

    const all = await listEntries(db);
    assert.equal(all.length, 4);
    const jeans = await listEntries(db, { mailbox: 'jean@example.com' });
    assert.deepEqual(jeans.map((r) => `${r.kind}:${r.pattern}`).sort(), ['block:*@spam.example', 'newsletter:news@shop.example']);
    assert.equal(jeans.find((r) => r.kind === 'newsletter')!.comment, 'weekly');
    assert.deepEqual((await listEntries(db, { global: true })).map((r) => r.pattern), ['*@spam.example']);
    assert.deepEqual((await listEntries(db, { domain: 'example.com' })).map((r) => r.pattern), ['*@xn--bcher-kva.de']);

    await deleteListEntry(db, { kind: 'block', pattern: 'SPAM.example' });
    await assert.rejects(deleteListEntry(db, { kind: 'block', pattern: 'spam.example' }), (e: MailhostError) => e.code === 'not_found');
    await deleteListEntry(db, { id: jeans[0].id });
    assert.equal((await listEntries(db)).length, 2);
  });

  it('loads every applicable scope in one query and nothing else', async () => {
    const { db } = t();
    const { jean, marie, other } = await setup(db);
    await addListEntry(db, { kind: 'block', pattern: 'g.example' });
    await addListEntry(db, { kind: 'block', pattern: 'd.example', domain: 'example.com' });
    await addListEntry(db, { kind: 'block', pattern: 'o.example', domain: 'other.example' });
    await addListEntry(db, { kind: 'block', pattern: 'j.example', mailbox: 'jean@example.com' });
    await addListEntry(db, { kind: 'block', pattern: 'm.example', mailbox: 'marie@example.com' });
    const queries: string[] = [];
    const listener = (q: { sql: string }) => queries.push(q.sql);
    db.on('query', listener);
    const rows = await loadListsFor(db, [scopeRefFor(local(jean))]);
    db.off('query', listener);
    assert.equal(queries.length, 1);
    assert.deepEqual(rows.map((r) => r.pattern).sort(), ['*@d.example', '*@g.example', '*@j.example']);
    // external targets: by the owner's address and domain name
    const viaAlias = await loadListsFor(db, [{ mailboxAddress: 'team@other.example', domainName: 'other.example' }]);
    assert.deepEqual(viaAlias.map((r) => r.pattern).sort(), ['*@g.example', '*@o.example']);
    const viaRedirect = await loadListsFor(db, [{ mailboxAddress: marie.address, domainName: 'example.com' }]);
    assert.deepEqual(viaRedirect.map((r) => r.pattern).sort(), ['*@d.example', '*@g.example', '*@m.example']);
    assert.ok(other.id > 0);
  });

  it('refuses the envelope sender at RCPT only for the targets that block it', async () => {
    const { db } = t();
    const { jean, marie } = await setup(db);
    await addListEntry(db, { kind: 'block', pattern: 'spam.example', mailbox: 'jean@example.com' });
    await addListEntry(db, { kind: 'block', pattern: '*.evil.example' });
    await addListEntry(db, { kind: 'allow', pattern: 'ok.evil.example', mailbox: 'marie@example.com' });
    const targets = [local(jean), local(marie)];

    let r = await envelopeBlocks(db, 'a@spam.example', targets);
    assert.deepEqual(r.blocked.map((x) => (x.kind === 'local' ? x.mailbox.address : '')), ['jean@example.com']);
    assert.deepEqual(r.kept.map((x) => (x.kind === 'local' ? x.mailbox.address : '')), ['marie@example.com']);

    r = await envelopeBlocks(db, 'a@ok.evil.example', targets);
    assert.deepEqual(r.kept.map((x) => (x.kind === 'local' ? x.mailbox.address : '')), ['marie@example.com']);

    r = await envelopeBlocks(db, 'a@fine.example', targets);
    assert.equal(r.blocked.length, 0);
    // the null sender (bounces) is never blocked by a list
    await addListEntry(db, { kind: 'block', pattern: '*' });
    r = await envelopeBlocks(db, '', targets);
    assert.equal(r.blocked.length, 0);
  });

  it('reads nothing when resolution counted no entry for the targets; a cache spares the second read', async () => {
    const { db } = t();
    await setup(db);
    const resolveLocal = async (address: string) => {
      const r = await resolveRecipient(sqlDirectory(db), address);
      assert.equal(r.status, 'local');
      return r.status === 'local' ? r.targets : [];
    };
    const queries: string[] = [];
    const listener = (q: { sql: string }) => queries.push(q.sql);

    // no entry anywhere: the counts say 0, neither RCPT nor DATA reads the lists
    let targets = await resolveLocal('jean@example.com');
    assert.equal(targets[0].kind === 'local' && targets[0].mailbox.list_entries, 0);
    const cache = { keys: [] as string[], rows: [] as ListRow[] };
    db.on('query', listener);
    assert.equal((await envelopeBlocks(db, 'a@spam.example', targets, cache)).blocked.length, 0);
    assert.deepEqual(await loadListsFor(db, targets.map(scopeRefFor), cache), []);
    db.off('query', listener);
    assert.deepEqual(queries, []);

    // an entry on the domain (or global, or the mailbox's own) is counted and applied
    await addListEntry(db, { kind: 'block', pattern: 'spam.example', domain: 'example.com' });
    await addListEntry(db, { kind: 'allow', pattern: 'ok.example' });
    targets = await resolveLocal('jean@example.com');
    assert.equal(targets[0].kind === 'local' && targets[0].mailbox.list_entries, 2);
    const cache2 = { keys: [] as string[], rows: [] as ListRow[] };
    db.on('query', listener);
    assert.equal((await envelopeBlocks(db, 'a@spam.example', targets, cache2)).blocked.length, 1);
    const again = await loadListsFor(db, targets.map(scopeRefFor), cache2);
    db.off('query', listener);
    assert.equal(queries.length, 1, 'the second read comes from the cache');
    assert.deepEqual(again.map((r) => r.pattern).sort(), ['*@ok.example', '*@spam.example']);
  });

  it('removes a mailbox or domain list with its owner', async () => {
    const { db } = t();
    await setup(db);
    await addListEntry(db, { kind: 'block', pattern: 'x.example', mailbox: 'jean@example.com' });
    await addListEntry(db, { kind: 'block', pattern: 'x.example', domain: 'other.example' });
    await db('mailboxes').where({ address: 'jean@example.com' }).delete();
    await db('domains').where({ name: 'other.example' }).delete();
    assert.equal((await listEntries(db)).length, 0);
  });
});
