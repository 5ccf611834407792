// Stale Maildir tmp/ files (deliveries killed between write and rename) are removed after 36 h;
// fresh ones (a delivery being written) and delivered mail are never touched.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeStaleTmp, maildirPath, deliverToMaildir } from '../../../lib/delivery';

describe('stale Maildir tmp files', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-tmp-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const put = (dir: string, name: string, ageHours: number) => {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, 'partial');
    const t = (Date.now() - ageHours * 3600_000) / 1000;
    fs.utimesSync(file, t, t);
    return file;
  };

  it('removes tmp files older than 36 hours in every Maildir and folder, and nothing else', async () => {
    const jean = maildirPath(dataDir, 'jean@example.com');
    const marie = maildirPath(dataDir, 'marie@exemple.fr');
    const old1 = put(path.join(jean, 'tmp'), 'old1', 40);
    const old2 = put(path.join(jean, '.Junk', 'tmp'), 'old2', 100);
    const old3 = put(path.join(marie, 'tmp'), 'old3', 37);
    const fresh = put(path.join(jean, 'tmp'), 'fresh', 35);
    const delivered = put(path.join(jean, 'new'), 'delivered', 1000);
    const report = await removeStaleTmp(dataDir);
    assert.deepEqual(report, { files: 3, bytes: 3 * 'partial'.length });
    for (const f of [old1, old2, old3]) assert.equal(fs.existsSync(f), false, f);
    for (const f of [fresh, delivered]) assert.equal(fs.existsSync(f), true, f);
  });

  it('is harmless on a data dir without mail and leaves real deliveries alone', async () => {
    assert.deepEqual(await removeStaleTmp(dataDir), { files: 0, bytes: 0 });
    await deliverToMaildir(maildirPath(dataDir, 'jean@example.com'), undefined, [Buffer.from('Subject: x\r\n\r\nbody\r\n')]);
    assert.deepEqual(await removeStaleTmp(dataDir, { maxAgeMs: 0, now: Date.now() + 1000 }), { files: 0, bytes: 0 });
    assert.equal(fs.readdirSync(path.join(maildirPath(dataDir, 'jean@example.com'), 'new')).length, 1);
  });
});
