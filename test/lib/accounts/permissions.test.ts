// lib/accounts permissions and limits on a real database (SQLite and MariaDB): what a mailbox
// owner may change is the client's grant AND the mailbox's; a client cannot give more than its
// plan; a client's limits refuse the domain, mailbox or quota beyond them, whoever acts.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { MailhostError, type Db } from '../../../lib/core';
import { createDomain, createMailbox, updateDomain } from '../../../lib/directory';
import {
  createAccount,
  OWNER_PERMISSIONS,
  allowedChanges,
  checkDomainOwner,
  checkNewDomain,
  checkNewMailbox,
  checkQuotaChange,
  clientLimits,
  clientPermissions,
  clientUsage,
  mailboxPermissions,
  ownerPermissions,
  requestPasswordReset,
  requireAllowed,
  requirePermissions,
  setClientLimits,
  setClientPermissions,
  setMailboxPermissions,
  type Principal,
} from '../../../lib/accounts';

const PW = 'Secret-pass-42';
const as = (role: Principal['role'], id: number): Principal => ({ role, id, username: `${role}${id}`, name: '', language: null });

/** The lib error `p` is refused with. */
async function refusal(p: Promise<unknown>): Promise<MailhostError> {
  let caught: unknown;
  await assert.rejects(p, (e: unknown) => ((caught = e), e instanceof MailhostError));
  return caught as MailhostError;
}

async function world(db: Db) {
  const admin = (await createAccount(db, { username: 'root', role: 'admin', password: PW })).account.id;
  const client = (await createAccount(db, { username: 'acme', role: 'client', password: PW })).account.id;
  const other = (await createAccount(db, { username: 'other', role: 'client', password: PW })).account.id;
  const domain = await createDomain(db, { name: 'acme.test', clientId: client });
  const mb = (await createMailbox(db, { address: 'jo@acme.test', password: PW, quotaMb: 100 })).mailbox.id;
  const loose = await createDomain(db, { name: 'loose.test' });
  const lmb = (await createMailbox(db, { address: 'kim@loose.test', password: PW })).mailbox.id;
  return { admin, client, other, domain: domain.id, mb, loose: loose.id, lmb };
}

const sorted = (s: Set<string>) => [...s].sort();

describeEachEngine('lib/accounts permissions and client limits', ({ t }) => {
  it('everything is allowed until taken away; the owner gets the mailbox grant AND the client grant', async () => {
    const db = t().db;
    const w = await world(db);
    assert.deepEqual(sorted(await ownerPermissions(db, w.mb)), [...OWNER_PERMISSIONS].sort());
    await setClientPermissions(db, w.client, { spam: false, digest: false });
    await setMailboxPermissions(db, w.mb, { redirect: false }, as('admin', w.admin));
    assert.deepEqual(sorted(await clientPermissions(db, w.client)), ['autoreply', 'password', 'redirect', 'senders']);
    assert.deepEqual(sorted(await mailboxPermissions(db, w.mb)), ['autoreply', 'digest', 'password', 'senders', 'spam']);
    assert.deepEqual(sorted(await ownerPermissions(db, w.mb)), ['autoreply', 'password', 'senders']);
    // a mailbox of a domain without client: its own grant only
    await setMailboxPermissions(db, w.lmb, { password: false });
    assert.ok(!(await ownerPermissions(db, w.lmb)).has('password'));
    assert.ok((await ownerPermissions(db, w.lmb)).has('spam'));
    // given back; setting the same twice leaves one row
    await setClientPermissions(db, w.client, { spam: true, digest: false });
    await setClientPermissions(db, w.client, { digest: false });
    assert.equal((await db('permission_denials').where({ account_id: w.client })).length, 1);
    assert.ok((await ownerPermissions(db, w.mb)).has('spam'));
  });

  it('the rights are the owner\'s: admins and clients may change everything, another user nothing', async () => {
    const db = t().db;
    const w = await world(db);
    await setClientPermissions(db, w.client, Object.fromEntries(OWNER_PERMISSIONS.map((p) => [p, false])));
    assert.equal((await allowedChanges(db, as('admin', w.admin), w.mb)).size, OWNER_PERMISSIONS.length);
    assert.equal((await allowedChanges(db, as('client', w.client), w.mb)).size, OWNER_PERMISSIONS.length);
    assert.equal((await allowedChanges(db, as('user', w.mb), w.mb)).size, 0);
    assert.equal((await allowedChanges(db, as('user', w.lmb), w.mb)).size, 0); // someone else's mailbox
    const e = await refusal(requireAllowed(db, as('user', w.mb), w.mb, 'password'));
    assert.equal(e.code, 'forbidden');
    await requireAllowed(db, as('user', w.lmb), w.lmb, 'password');
  });

  it('a client cannot give more than its plan, nor touch another client\'s mailbox; an owner none of it', async () => {
    const db = t().db;
    const w = await world(db);
    await setClientPermissions(db, w.client, { spam: false });
    await setMailboxPermissions(db, w.mb, { spam: false, redirect: false }, as('client', w.client));
    const beyond = await refusal(setMailboxPermissions(db, w.mb, { redirect: true, spam: true }, as('client', w.client)));
    assert.equal(beyond.field, 'owner_permissions');
    assert.match(beyond.message, /your plan does not include: spam/);
    assert.ok(!(await mailboxPermissions(db, w.mb)).has('redirect'), 'nothing changed');
    await setMailboxPermissions(db, w.mb, { redirect: true }, as('client', w.client));
    assert.ok((await mailboxPermissions(db, w.mb)).has('redirect'));
    assert.equal((await refusal(setMailboxPermissions(db, w.mb, { redirect: false }, as('client', w.other)))).code, 'forbidden');
    assert.equal((await refusal(setMailboxPermissions(db, w.mb, { spam: true }, as('user', w.mb)))).code, 'forbidden');
    // an admin may set what the client's plan lacks (it takes effect once the plan has it)
    await setMailboxPermissions(db, w.mb, { spam: true }, as('admin', w.admin));
    assert.ok(!(await ownerPermissions(db, w.mb)).has('spam'));
    await setClientPermissions(db, w.client, { spam: true });
    assert.ok((await ownerPermissions(db, w.mb)).has('spam'));
  });

  it('names are checked; permissions and limits belong to client accounts only', async () => {
    const db = t().db;
    const w = await world(db);
    assert.deepEqual(requirePermissions('password, spam,password'), ['password', 'spam']);
    assert.match((await refusal(Promise.resolve().then(() => requirePermissions('password,root')))).message, /unknown permission "root"/);
    assert.equal((await refusal(setClientPermissions(db, w.admin, { spam: false }))).field, 'client');
    assert.equal((await refusal(setClientLimits(db, w.admin, { maxDomains: 1 }))).field, 'client');
    assert.equal((await refusal(setClientLimits(db, w.client, { maxDomains: '-1' }))).field, 'max_domains');
    assert.equal((await refusal(setClientLimits(db, w.client, { maxQuotaMb: 'lots' }))).field, 'max_quota_mb');
    assert.deepEqual(await setClientLimits(db, w.client, { maxDomains: '3', maxMailboxes: 10 }), { maxDomains: 3, maxMailboxes: 10, maxQuotaMb: null });
    assert.deepEqual(await setClientLimits(db, w.client, { maxDomains: '', maxQuotaMb: 'unlimited' }), { maxDomains: null, maxMailboxes: 10, maxQuotaMb: null });
    // a client account deleted: its denials go with it
    await setClientPermissions(db, w.client, { spam: false });
    await db('accounts').where({ id: w.client }).delete();
    assert.equal((await db('permission_denials').where({ account_id: w.client })).length, 0);
  });

  it('limits refuse the domain and mailbox beyond them, with the client\'s words or the operator\'s', async () => {
    const db = t().db;
    const w = await world(db);
    await setClientLimits(db, w.client, { maxDomains: 2, maxMailboxes: 2 });
    await checkNewDomain(db, w.client, as('client', w.client));
    await createDomain(db, { name: 'acme2.test', clientId: w.client });
    const mine = await refusal(checkNewDomain(db, w.client, as('client', w.client)));
    assert.equal(mine.field, 'name');
    assert.match(mine.message, /^your plan allows 2 domains \(2 in use\)/);
    assert.match((await refusal(checkNewDomain(db, w.client, null))).message, /^the plan of client acme allows 2 domains/);
    await checkNewDomain(db, null, null); // no client, no plan
    await checkNewDomain(db, w.other, as('admin', w.admin)); // another client without limits

    await checkNewMailbox(db, 'two@acme.test', undefined, as('client', w.client));
    await createMailbox(db, { address: 'two@acme.test', password: PW });
    const third = await refusal(checkNewMailbox(db, 'three@acme2.test', 10, as('client', w.client)));
    assert.equal(third.field, 'address');
    assert.match(third.message, /^your plan allows 2 mailboxes \(2 in use\)/);
    await checkNewMailbox(db, 'x@loose.test', undefined, as('client', w.client)); // not its domain
    await checkNewMailbox(db, 'x@unknown.test', undefined, null); // left to createMailbox
    // lowered below what it has: it keeps it, only growth is refused
    await setClientLimits(db, w.client, { maxMailboxes: 1 });
    assert.deepEqual(await clientUsage(db, w.client), { domains: 2, mailboxes: 2, quotaMb: 100, unlimitedMailboxes: 1 });
    await refusal(checkNewMailbox(db, 'y@acme.test', 1, null));
  });

  it('a total quota: refuses a mailbox or a raise over it, and an unlimited mailbox; lowering is free', async () => {
    const db = t().db;
    const w = await world(db); // jo@acme.test has 100 MB
    await setClientLimits(db, w.client, { maxQuotaMb: 250 });
    await checkNewMailbox(db, 'b@acme.test', 150, as('client', w.client));
    const over = await refusal(checkNewMailbox(db, 'b@acme.test', 151, as('client', w.client)));
    assert.equal(over.field, 'quota_mb');
    assert.match(over.message, /^your plan allows 250 MB of mailbox quota in all \(100 MB given\)/);
    // the domain's default (0 = unlimited) is not a quota under a quota limit
    const unlimited = await refusal(checkNewMailbox(db, 'b@acme.test', undefined, as('client', w.client)));
    assert.match(unlimited.message, /every mailbox needs a quota/);
    await updateDomain(db, w.domain, { defaultQuotaMb: 50 });
    await checkNewMailbox(db, 'b@acme.test', undefined, as('client', w.client));
    await checkQuotaChange(db, w.mb, 250, as('client', w.client));
    assert.match((await refusal(checkQuotaChange(db, w.mb, 251, null))).message, /^the plan of client acme allows 250 MB/);
    await refusal(checkQuotaChange(db, w.mb, 0, as('client', w.client)));
    await checkQuotaChange(db, w.mb, 100, as('client', w.client)); // unchanged
    await setClientLimits(db, w.client, { maxQuotaMb: 10 });
    await checkQuotaChange(db, w.mb, 50, as('client', w.client)); // still over, but smaller
    assert.deepEqual(await clientLimits(db, w.client), { maxDomains: null, maxMailboxes: null, maxQuotaMb: 10 });
  });

  it('a domain given to a client brings its mailboxes and quotas into the plan', async () => {
    const db = t().db;
    const w = await world(db); // loose.test: kim@ without quota
    await checkDomainOwner(db, w.loose, w.client, null); // no limits
    await setClientLimits(db, w.client, { maxMailboxes: 1 });
    const e = await refusal(checkDomainOwner(db, w.loose, w.client, as('admin', w.admin)));
    assert.equal(e.field, 'client_id');
    assert.match(e.message, /^the plan of client acme allows 1 mailboxes \(1 in use\)/);
    await checkDomainOwner(db, w.domain, w.client, null); // already its own: nothing new
    await checkDomainOwner(db, w.loose, null, null); // taken from every client
    await setClientLimits(db, w.client, { maxMailboxes: null, maxQuotaMb: 1000 });
    assert.match((await refusal(checkDomainOwner(db, w.loose, w.client, null))).message, /every mailbox needs a quota/);
  });

  it('a mailbox owner who may not change the password gets no lost-password link', async () => {
    const db = t().db;
    const w = await world(db);
    await db('mailboxes').whereIn('id', [w.mb, w.lmb]).update({ recovery_email: 'me@example.org' });
    const sent: string[] = [];
    const deliver = async (m: { login: string }) => void sent.push(m.login);
    await setMailboxPermissions(db, w.mb, { password: false });
    assert.equal(await requestPasswordReset(db, 'jo@acme.test', '192.0.2.1', deliver), 'accepted');
    assert.equal(await requestPasswordReset(db, 'kim@loose.test', '192.0.2.1', deliver), 'accepted');
    assert.deepEqual(sent, ['kim@loose.test']);
  });
});
