// Maildir writing (lib/maildir) and the delivery step built on it (lib/delivery), on real disk
// and a real database.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deliverToMaildir, maildirPath, JUNK_FOLDER, deliverMessage, loopingTargets, type DeliveryContext, finalTargets, type MailhostNotes, srsReverse } from '../../../lib/delivery';
import { resolveRecipient, sqlDirectory, createDomain, createMailbox, getMailbox, updateMailbox, createAlias, flushUsage } from '../../../lib/directory';
import { describeEachEngineShared } from '../../helpers/sharedEngineDb';
import { isMysql } from '../../../lib/core';

const MESSAGE = Buffer.from('From: a@remote.test\r\nTo: jean@example.com\r\nSubject: hi\r\n\r\nline one\r\n.line with a dot\r\né\r\n', 'utf8');

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-maildir-'));
}
const ls = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

describe('maildir', () => {
  let root: string;
  beforeEach(() => (root = tmpdir()));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lays out $DATA/mail/<domain>/<local>/Maildir', () => {
    assert.equal(maildirPath('/data', 'jean@example.com'), path.join('/data', 'mail', 'example.com', 'jean', 'Maildir'));
    assert.equal(maildirPath('/data', 'jean+x@xn--exmple-cua.fr'), path.join('/data', 'mail', 'xn--exmple-cua.fr', 'jean+x', 'Maildir'));
  });

  it('refuses path segments that could escape the data dir', () => {
    for (const a of ['../x@example.com', 'a/b@example.com', 'x@../etc', '.hidden@example.com', 'x@.', '@example.com', 'x@', 'a\\b@example.com', 'a\0b@example.com']) {
      assert.throws(() => maildirPath('/data', a), /unsafe/, a);
    }
  });

  it('writes into new/ (tmp/ left empty), bytes intact, size in the name, 0600', async () => {
    const md = path.join(root, 'Maildir');
    const parts = [Buffer.from('Delivered-To: jean@example.com\r\n'), MESSAGE];
    const { file, size } = await deliverToMaildir(md, undefined, parts);
    assert.equal(path.dirname(file), path.join(md, 'new'));
    assert.deepEqual(ls(path.join(md, 'tmp')), []);
    assert.deepEqual(ls(path.join(md, 'cur')), []);
    assert.deepEqual(ls(path.join(md, 'new')), [path.basename(file)]);
    assert.ok(fs.readFileSync(file).equals(Buffer.concat(parts)));
    assert.equal(size, Buffer.concat(parts).length);
    assert.match(path.basename(file), new RegExp(`^\\d+\\.M\\d+P${process.pid}Q\\d+\\.[^/]+,S=${size}$`));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('leaves no descriptor open: the file and new/ are closed once stored, also when a write fails', async () => {
    const md = path.join(root, 'Maildir');
    const open = () => fs.readdirSync('/proc/self/fd').length;
    await deliverToMaildir(md, undefined, [MESSAGE]);
    await new Promise((r) => setTimeout(r, 50));
    const before = open();
    await Promise.all(Array.from({ length: 40 }, () => deliverToMaildir(md, undefined, [MESSAGE])));
    await deliverToMaildir(md, '.Junk', [MESSAGE]);
    fs.chmodSync(path.join(md, 'tmp'), 0o500); // as root this does not refuse: then only the success path is checked
    await deliverToMaildir(md, undefined, [MESSAGE]).catch(() => undefined);
    fs.chmodSync(path.join(md, 'tmp'), 0o700);
    await new Promise((r) => setTimeout(r, 50)); // the closes that are not waited for
    assert.equal(open(), before);
    assert.equal(ls(path.join(md, 'new')).length, process.getuid?.() === 0 ? 42 : 41);
  });

  it('gives every message its own file', async () => {
    const md = path.join(root, 'Maildir');
    const files = await Promise.all(Array.from({ length: 20 }, () => deliverToMaildir(md, undefined, [MESSAGE])));
    assert.equal(new Set(files.map((f) => f.file)).size, 20);
    assert.equal(ls(path.join(md, 'new')).length, 20);
    assert.deepEqual(ls(path.join(md, 'tmp')), []);
  });

  it('writes a subfolder as a Maildir++ folder (with maildirfolder) and keeps the root valid', async () => {
    const md = path.join(root, 'Maildir');
    const { file } = await deliverToMaildir(md, JUNK_FOLDER, [MESSAGE]);
    assert.equal(path.dirname(file), path.join(md, JUNK_FOLDER, 'new'));
    assert.ok(fs.existsSync(path.join(md, JUNK_FOLDER, 'maildirfolder')));
    for (const d of ['tmp', 'new', 'cur']) assert.ok(fs.statSync(path.join(md, d)).isDirectory());
    assert.deepEqual(ls(path.join(md, 'new')), []);
    assert.deepEqual(ls(path.join(md, JUNK_FOLDER, 'tmp')), []);
  });

  it('creates the Maildir again when it was removed after a delivery', async () => {
    const md = path.join(root, 'Maildir');
    await deliverToMaildir(md, undefined, [MESSAGE]);
    fs.rmSync(md, { recursive: true });
    const { file } = await deliverToMaildir(md, undefined, [MESSAGE]);
    assert.deepEqual(ls(path.join(md, 'new')), [path.basename(file)]);
    for (const d of ['tmp', 'cur']) assert.ok(fs.statSync(path.join(md, d)).isDirectory());
  });

  it('completes a half-created Maildir (tmp/ without new/ and cur/)', async () => {
    const md = path.join(root, 'Maildir');
    fs.mkdirSync(path.join(md, 'tmp'), { recursive: true });
    const { file } = await deliverToMaildir(md, undefined, [MESSAGE]);
    assert.ok(fs.readFileSync(file).equals(MESSAGE));
    assert.deepEqual(ls(path.join(md, 'tmp')), []);
    assert.ok(fs.statSync(path.join(md, 'cur')).isDirectory());
  });

  it('new/ removed while the message is being written: made again, the message lands in it, tmp/ left empty', async () => {
    const md = path.join(root, 'Maildir');
    await deliverToMaildir(md, undefined, [MESSAGE]);
    const writev = fs.writev;
    // the write is the one step between the open of new/ and the rename: new/ goes away then
    (fs as { writev: unknown }).writev = (...args: unknown[]) => {
      fs.rmSync(path.join(md, 'new'), { recursive: true });
      (fs as { writev: unknown }).writev = writev;
      return (writev as (...a: unknown[]) => void)(...args);
    };
    try {
      const { file } = await deliverToMaildir(md, undefined, [MESSAGE]);
      assert.deepEqual(ls(path.join(md, 'new')), [path.basename(file)]);
      assert.ok(fs.readFileSync(file).equals(MESSAGE));
      assert.deepEqual(ls(path.join(md, 'tmp')), []);
    } finally {
      (fs as { writev: unknown }).writev = writev;
    }
  });

  it('a write that fails leaves nothing in tmp/ or new/ and throws', async () => {
    const md = path.join(root, 'Maildir');
    await deliverToMaildir(md, undefined, [MESSAGE]);
    const before = ls(path.join(md, 'new'));
    const writev = fs.writev;
    (fs as { writev: unknown }).writev = (_fd: number, _b: unknown, cb: (e: Error) => void) => cb(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    try {
      await assert.rejects(deliverToMaildir(md, undefined, [MESSAGE]), /ENOSPC/);
    } finally {
      (fs as { writev: unknown }).writev = writev;
    }
    assert.deepEqual(ls(path.join(md, 'tmp')), []);
    assert.deepEqual(ls(path.join(md, 'new')), before);
  });

  it('fails (throws) when the Maildir cannot be created, leaving nothing behind', async () => {
    const blocker = path.join(root, 'file');
    fs.writeFileSync(blocker, 'x');
    await assert.rejects(deliverToMaildir(path.join(blocker, 'Maildir'), undefined, [MESSAGE]));
    assert.equal(fs.readFileSync(blocker, 'utf8'), 'x');
  });

  it('as root, what it creates takes the owner of the data dir (Dovecot never reads mail as root)', async function () {
    if (process.getuid?.() !== 0) return this.skip();
    const [uid, gid] = [8, 8]; // Debian's `mail` user; any non-root id does
    fs.chownSync(root, uid, gid);
    const md = maildirPath(root, 'jean@example.com');
    const { file } = await deliverToMaildir(md, undefined, [MESSAGE]);
    const junk = await deliverToMaildir(md, JUNK_FOLDER, [MESSAGE]);
    const made = [path.join(root, 'mail'), path.join(root, 'mail', 'example.com'), path.join(root, 'mail', 'example.com', 'jean'), md, path.join(md, 'tmp'), path.join(md, 'new'), path.join(md, 'cur'), file, path.join(md, JUNK_FOLDER), path.join(md, JUNK_FOLDER, 'cur'), path.join(md, JUNK_FOLDER, 'maildirfolder'), junk.file];
    for (const p of made) assert.deepEqual([fs.statSync(p).uid, fs.statSync(p).gid], [uid, gid], p);
  });
});

describeEachEngineShared('delivery to Maildir', ({ t }) => {
  let dataDir: string;
  let sent: { from: string; to: string[]; message: Buffer }[];
  const SECRET = 'delivery-secret';

  function ctx(): DeliveryContext {
    return {
      db: t().db,
      dataDir,
      srsSecret: SECRET,
      async sendExternal(from, to, message) {
        sent.push({ from, to, message });
      },
    };
  }

  async function notesFor(rcpts: string[]): Promise<MailhostNotes> {
    const notes: MailhostNotes = { recipients: [], fates: {} };
    for (const rcpt of rcpts) {
      const res = await resolveRecipient(sqlDirectory(t().db), rcpt);
      assert.equal(res.status, 'local', `${rcpt}: ${JSON.stringify(res)}`);
      if (res.status === 'local') notes.recipients.push({ rcpt: res.recipient, recipient: res.recipient, targets: res.targets });
    }
    return notes;
  }

  const files = (address: string, folder = '') => {
    const dir = path.join(maildirPath(dataDir, address), folder, 'new');
    return ls(dir).map((f) => fs.readFileSync(path.join(dir, f)));
  };

  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  beforeEach(async () => {
    dataDir = tmpdir();
    sent = [];
    const db = t().db;
    await createDomain(db, { name: 'example.com' });
    await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
    await createMailbox(db, { address: 'marie@example.com', password: 'secret-pass-1' });
    await createAlias(db, { address: 'info@example.com', targets: ['jean@example.com'] });
    await createAlias(db, { address: 'team@example.com', targets: ['jean@example.com', 'info@example.com', 'marie@example.com'] });
  });

  it('writes one copy per mailbox with Return-Path, Delivered-To and X-Original-To, and counts usage', async () => {
    const notes = await notesFor(['jean@example.com', 'info@example.com', 'team@example.com']);
    const report = await deliverMessage(ctx(), { message: MESSAGE, mailFrom: 'a@remote.test', notes });
    assert.equal(report.local.length, 2);
    const jean = files('jean@example.com');
    assert.equal(jean.length, 1);
    const text = jean[0].toString('utf8');
    assert.ok(text.startsWith('Return-Path: <a@remote.test>\r\nDelivered-To: jean@example.com\r\nX-Original-To: jean@example.com\r\n'), text);
    assert.ok(jean[0].subarray(jean[0].length - MESSAGE.length).equals(MESSAGE), 'message bytes intact after the trace headers');
    const marie = files('marie@example.com');
    assert.equal(marie.length, 1);
    assert.match(marie[0].toString(), /^X-Original-To: team@example\.com\r$/m);
    // usage is written behind the delivery (within a second), or at once when flushed
    await flushUsage(t().db);
    assert.equal((await getMailbox(t().db, 'jean@example.com')).used_bytes, jean[0].length);
    assert.deepEqual(sent, []);
    for (const a of ['jean@example.com', 'marie@example.com']) assert.deepEqual(ls(path.join(maildirPath(dataDir, a), 'tmp')), []);
  });

  it('keeps the subaddress tag in Delivered-To', async () => {
    await deliverMessage(ctx(), { message: MESSAGE, mailFrom: '', notes: await notesFor(['jean+news@example.com']) });
    const [f] = files('jean@example.com');
    assert.match(f.toString(), /^Return-Path: <>\r\nDelivered-To: jean\+news@example\.com\r\nX-Original-To: jean\+news@example\.com\r\n/);
  });

  it('forwards with an SRS sender of the forwarding domain and a Delivered-To for loop detection', async () => {
    await updateMailbox(t().db, 'marie@example.com', { redirectTo: ['out@remote.test', 'out2@remote.test'], keepCopy: true });
    const report = await deliverMessage(ctx(), { message: MESSAGE, mailFrom: 'alice@sender.test', notes: await notesFor(['marie@example.com']) });
    assert.deepEqual(report.forwarded.sort(), ['out2@remote.test', 'out@remote.test']);
    assert.equal(sent.length, 1, 'one outbound message for both forwarding addresses');
    assert.deepEqual(sent[0].to.sort(), ['out2@remote.test', 'out@remote.test']);
    assert.match(sent[0].from, /^SRS0=[0-9a-f]{8}=[a-z2-7]{2}=sender\.test=alice@example\.com$/);
    assert.equal(srsReverse(sent[0].from.split('@')[0], SECRET), 'alice@sender.test');
    assert.ok(sent[0].message.toString().startsWith('Delivered-To: marie@example.com\r\n'));
    assert.equal(files('marie@example.com').length, 1, 'keep-copy');
  });

  it('a bounce (null sender) is forwarded with the null sender', async () => {
    await updateMailbox(t().db, 'marie@example.com', { redirectTo: ['out@remote.test'] });
    await deliverMessage(ctx(), { message: MESSAGE, mailFrom: '', notes: await notesFor(['marie@example.com']) });
    assert.equal(sent.length, 1);
    assert.equal(sent[0].from, '');
  });

  it('a dropped target (fate) gets no copy', async () => {
    const notes = await notesFor(['team@example.com']);
    const jean = finalTargets(notes).find((f) => f.target.kind === 'local' && f.target.mailbox.address === 'jean@example.com')!;
    notes.fates[jean.key] = { action: 'drop', reason: 'test' };
    const report = await deliverMessage(ctx(), { message: MESSAGE, mailFrom: 'a@remote.test', notes });
    assert.deepEqual(report.dropped, [jean.key]);
    assert.equal(files('jean@example.com').length, 0);
    assert.equal(files('marie@example.com').length, 1);
  });

  it('a usage counter that cannot be written delays nothing: the copies are stored, the bytes are written once the database takes them', async () => {
    const db = t().db;
    const used = async () => (await getMailbox(db, 'jean@example.com')).used_bytes + (await getMailbox(db, 'marie@example.com')).used_bytes;
    const before = await used();
    await db.raw(
      isMysql(db)
        ? "CREATE TRIGGER usage_locked BEFORE UPDATE ON mailboxes FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'usage locked'"
        : "CREATE TRIGGER usage_locked BEFORE UPDATE OF used_bytes ON mailboxes BEGIN SELECT RAISE(ABORT, 'usage locked'); END",
    );
    const logged: string[] = [];
    try {
      const c = ctx();
      c.log = (line) => logged.push(line);
      const report = await deliverMessage(c, { message: MESSAGE, mailFrom: 'a@remote.test', notes: await notesFor(['team@example.com']) });
      assert.equal(report.local.length, 2);
      assert.equal(files('jean@example.com').length, 1);
      assert.equal(files('marie@example.com').length, 1);
      await assert.rejects(flushUsage(db), /usage locked/);
      assert.equal(await used(), before, 'nothing written while the counter is locked');
    } finally {
      await db.raw('DROP TRIGGER usage_locked');
    }
    await flushUsage(db); // the sums kept from the failed write
    const stored = files('jean@example.com')[0].length + files('marie@example.com')[0].length;
    assert.equal(await used(), before + stored);
  });

  it('throws (so the hook answers 4xx) when the data dir is unusable', async () => {
    const blocker = path.join(dataDir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const c = ctx();
    c.dataDir = blocker;
    await assert.rejects(deliverMessage(c, { message: MESSAGE, mailFrom: 'a@remote.test', notes: await notesFor(['jean@example.com']) }));
  });

  it('throws when the outbound queue refuses a forward', async () => {
    await updateMailbox(t().db, 'marie@example.com', { redirectTo: ['out@remote.test'] });
    const c = ctx();
    c.sendExternal = async () => {
      throw new Error('queue full');
    };
    await assert.rejects(deliverMessage(c, { message: MESSAGE, mailFrom: 'a@remote.test', notes: await notesFor(['marie@example.com']) }), /queue full/);
  });

  it('finds targets already in Delivered-To (mail loop)', async () => {
    const notes = await notesFor(['team@example.com']);
    const looping = loopingTargets(finalTargets(notes), ['<JEAN@example.com>']);
    assert.deepEqual(
      looping.map((l) => (l.target.kind === 'local' ? l.target.mailbox.address : '')),
      ['jean@example.com'],
    );
    assert.deepEqual(loopingTargets(finalTargets(notes), ['someone@else.test']), []);
  });
});
