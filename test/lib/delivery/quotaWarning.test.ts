// The 90 % quota warning decision: the plain step (warn / re-arm / nothing), the claim after a
// delivery (confirmed by a recount of the Maildir, one winner among concurrent claims), the
// re-arming by a recount below the threshold, and the words of the mail in both languages.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quotaWarningStep, nearlyFull, claimQuotaWarning, maildirRecount, deliverToMaildir, maildirPath, quotaNotice } from '../../../lib/delivery';
import { createDomain, createMailbox, getMailbox, updateMailbox } from '../../../lib/directory';
import { describeEachEngine } from '../../helpers/db';

const MB = 1024 * 1024;

describe('quota warning step', () => {
  it('warns at 90 % once, re-arms below, never without a quota', () => {
    assert.equal(nearlyFull(1, 0.9 * MB), true);
    assert.equal(nearlyFull(1, 0.9 * MB - 1), false);
    assert.equal(nearlyFull(0, 10 * MB), false);
    assert.equal(quotaWarningStep({ quotaMb: 1, usedBytes: 0.95 * MB, warned: false }), 'warn');
    assert.equal(quotaWarningStep({ quotaMb: 1, usedBytes: 0.95 * MB, warned: true }), 'none');
    assert.equal(quotaWarningStep({ quotaMb: 1, usedBytes: 0.5 * MB, warned: true }), 'rearm');
    assert.equal(quotaWarningStep({ quotaMb: 1, usedBytes: 0.5 * MB, warned: false }), 'none');
    assert.equal(quotaWarningStep({ quotaMb: 0, usedBytes: 50 * MB, warned: false }), 'none');
    assert.equal(quotaWarningStep({ quotaMb: 0, usedBytes: 50 * MB, warned: true }), 'rearm');
  });

  it('writes the mail in the mailbox language', () => {
    const w = { mailboxId: 1, address: 'jean@example.com', quotaMb: 2, usedBytes: 1.9 * MB };
    const fr = quotaNotice({ ...w, language: 'fr' });
    assert.equal(fr.subject, 'Votre boîte aux lettres est presque pleine (95 %)');
    assert.match(fr.text, /1,9 Mo utilisés sur 2 Mo/);
    assert.equal(fr.from, 'postmaster@example.com');
    const en = quotaNotice({ ...w, language: null });
    assert.equal(en.subject, 'Your mailbox is almost full (95%)');
    assert.equal(en.to, 'jean@example.com');
  });
});

describeEachEngine('quota warning claim', ({ t }) => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-qwarn-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  async function mailbox(usedOnDisk: number, counter = usedOnDisk) {
    await createDomain(t().db, { name: 'example.com' });
    const { mailbox: mb } = await createMailbox(t().db, { address: 'jean@example.com', password: 'secret-pass-1', quotaMb: 1, language: 'fr' });
    if (usedOnDisk) await deliverToMaildir(maildirPath(dataDir, mb.address), undefined, [Buffer.alloc(usedOnDisk, 120)]);
    await t().db('mailboxes').where({ id: mb.id }).update({ used_bytes: counter });
    return mb;
  }

  it('claims once when the Maildir holds over 90 %, even for concurrent deliveries', async () => {
    const mb = await mailbox(0.95 * MB);
    const claims = await Promise.all([1, 2, 3].map(() => claimQuotaWarning(t().db, dataDir, mb.id)));
    const won = claims.filter(Boolean);
    assert.equal(won.length, 1);
    assert.deepEqual({ ...won[0]!, usedBytes: Math.round(won[0]!.usedBytes) }, { mailboxId: mb.id, address: 'jean@example.com', language: 'fr', quotaMb: 1, usedBytes: Math.round(0.95 * MB) });
    assert.equal(await claimQuotaWarning(t().db, dataDir, mb.id), null);
  });

  it('a counter over 90 % that the Maildir contradicts (mail deleted) warns nobody and is corrected', async () => {
    const mb = await mailbox(0.2 * MB, 0.99 * MB);
    assert.equal(await claimQuotaWarning(t().db, dataDir, mb.id), null);
    assert.equal((await getMailbox(t().db, mb.id)).used_bytes, Math.round(0.2 * MB));
  });

  it('a recount below the threshold re-arms the warning; so does a counter under it (quota raised)', async () => {
    const mb = await mailbox(0.95 * MB);
    assert.ok(await claimQuotaWarning(t().db, dataDir, mb.id));
    fs.rmSync(maildirPath(dataDir, mb.address), { recursive: true });
    await maildirRecount(t().db, dataDir)(mb);
    assert.equal(Number((await t().db('mailboxes').where({ id: mb.id }).first('quota_warned')).quota_warned), 0);
    await deliverToMaildir(maildirPath(dataDir, mb.address), undefined, [Buffer.alloc(0.95 * MB, 120)]);
    await t().db('mailboxes').where({ id: mb.id }).update({ used_bytes: 0.95 * MB });
    assert.ok(await claimQuotaWarning(t().db, dataDir, mb.id), 'a new crossing is warned');
    await t().db('mailboxes').where({ id: mb.id }).update({ quota_mb: 10 });
    assert.equal(await claimQuotaWarning(t().db, dataDir, mb.id), null);
    assert.equal(Number((await t().db('mailboxes').where({ id: mb.id }).first('quota_warned')).quota_warned), 0);
  });

  it('a changed quota re-arms the warning (the same quota saved again does not)', async () => {
    const mb = await mailbox(0.95 * MB);
    assert.ok(await claimQuotaWarning(t().db, dataDir, mb.id));
    await updateMailbox(t().db, mb.id, { quotaMb: 1, name: 'Jean' });
    assert.equal(await claimQuotaWarning(t().db, dataDir, mb.id), null, 'same quota: still warned');
    await updateMailbox(t().db, mb.id, { quotaMb: 2 });
    await t().db('mailboxes').where({ id: mb.id }).update({ used_bytes: 1.9 * MB });
    await deliverToMaildir(maildirPath(dataDir, mb.address), undefined, [Buffer.alloc(0.95 * MB, 120)]);
    assert.ok(await claimQuotaWarning(t().db, dataDir, mb.id), '90 % of the new quota: warned again');
  });
});
