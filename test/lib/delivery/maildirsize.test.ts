// Maildir++ maildirsize: the format Courier and Dovecot read (quota line, then "<bytes> <count>"
// lines summed), a recount from the messages of new/ and cur/ in the INBOX and every folder,
// appends after each delivery, and the recount written back to mailboxes.used_bytes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parseMaildirSize,
  formatMaildirSize,
  countMaildir,
  recalculateMaildirSize,
  readMaildirSize,
  deliverToMaildir,
  maildirPath,
  maildirRecount,
  MAILDIRSIZE,
} from '../../../lib/delivery';
import { getMailbox, createDomain, createMailbox } from '../../../lib/directory';
import { engines, createTestDb, type TestDb } from '../../helpers/db';

describe('maildirsize (Maildir++ quota file)', () => {
  let dataDir: string;
  let maildir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-size-'));
    maildir = maildirPath(dataDir, 'jean@example.com');
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const put = (sub: string, name: string, bytes: number) => {
    fs.mkdirSync(path.join(maildir, sub), { recursive: true });
    fs.writeFileSync(path.join(maildir, sub, name), 'x'.repeat(bytes));
  };

  it('sums the lines after the quota definition, deletions included', () => {
    assert.deepEqual(parseMaildirSize('1048576S\n300 2\n-100 -1\n50 1\n'), { bytes: 250, count: 2 });
    assert.deepEqual(parseMaildirSize('1048576S,100C\n10 1\n'), { bytes: 10, count: 1 });
    assert.deepEqual(parseMaildirSize('\n0 0\n'), { bytes: 0, count: 0 });
  });

  it('rejects what is not a maildirsize file', () => {
    assert.equal(parseMaildirSize(''), null);
    assert.equal(parseMaildirSize('lots\n1 1\n'), null);
    assert.equal(parseMaildirSize('100S\n1 one\n'), null);
  });

  it('writes the quota definition then the totals', () => {
    assert.equal(formatMaildirSize(1048576, { bytes: 42, count: 3 }), '1048576S\n42 3\n');
    assert.equal(formatMaildirSize(0, { bytes: 0, count: 0 }), '\n0 0\n');
  });

  it('counts new/ and cur/ of the INBOX and of every folder, by S= when the name has it, never tmp/', async () => {
    put('new', '1.M1P1.host,S=1000', 7); // the name's size wins (Maildir++): no stat needed
    put('cur', '2.M2P2.host:2,S', 30);
    put('.Junk/new', '3.M3P3.host', 200);
    put('.Archive/cur', '4.M4P4.host,S=5:2,', 5);
    put('tmp', '5.M5P5.host', 9999);
    assert.deepEqual(await countMaildir(maildir), { bytes: 1235, count: 4 });
  });

  it('a Maildir that does not exist weighs nothing', async () => {
    assert.deepEqual(await countMaildir(maildir), { bytes: 0, count: 0 });
    assert.deepEqual(await recalculateMaildirSize(maildir, 1024), { bytes: 0, count: 0 });
  });

  it('recalculates the file, then each delivery appends a line to it', async () => {
    put('cur', 'a', 100);
    put('tmp', 'x', 1);
    assert.deepEqual(await recalculateMaildirSize(maildir, 2 * 1048576), { bytes: 100, count: 1 });
    assert.equal(fs.readFileSync(path.join(maildir, MAILDIRSIZE), 'utf8'), '2097152S\n100 1\n');
    await deliverToMaildir(maildir, undefined, [Buffer.from('Subject: hi\r\n\r\nbody\r\n')]);
    assert.deepEqual(await readMaildirSize(maildir), { bytes: 100 + 21, count: 2 });
  });

  it('a missing or oversized file must be recalculated (readMaildirSize gives null)', async () => {
    assert.equal(await readMaildirSize(maildir), null);
    fs.mkdirSync(maildir, { recursive: true });
    fs.writeFileSync(path.join(maildir, MAILDIRSIZE), `100S\n${'1 1\n'.repeat(2000)}`);
    assert.equal(await readMaildirSize(maildir), null);
  });

  it('no maildirsize is made up by a delivery (only a recount creates it)', async () => {
    await deliverToMaildir(maildir, undefined, [Buffer.from('x')]);
    assert.equal(fs.existsSync(path.join(maildir, MAILDIRSIZE)), false);
  });
});

for (const engine of engines()) {
  describe(`maildirRecount [${engine}]`, () => {
    let t: TestDb;
    let dataDir: string;
    before(async () => (t = await createTestDb(engine)));
    after(async () => t.cleanup());
    beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-recount-'))));
    afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    it('writes what the Maildir really holds back to used_bytes (down as well as up)', async () => {
      await createDomain(t.db, { name: 'example.com' });
      await createMailbox(t.db, { address: 'jean@example.com', password: 'secret-pass-1', quotaMb: 1 });
      await t.db('mailboxes').where({ address: 'jean@example.com' }).update({ used_bytes: 5 * 1048576 });
      const mb = await getMailbox(t.db, 'jean@example.com');
      const maildir = maildirPath(dataDir, mb.address);
      const { file } = await deliverToMaildir(maildir, '.Junk', [Buffer.from('0123456789')]);
      const recount = maildirRecount(t.db, dataDir);
      assert.equal(await recount(mb), 10);
      assert.equal((await getMailbox(t.db, mb.address)).used_bytes, 10);
      assert.equal(fs.readFileSync(path.join(maildir, MAILDIRSIZE), 'utf8'), '1048576S\n10 1\n');
      fs.unlinkSync(file);
      assert.equal(await recount(mb), 0);
      assert.equal((await getMailbox(t.db, mb.address)).used_bytes, 0);
    });
  });
}
