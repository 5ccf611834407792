// DKIM keys in the data dir and signatures that a real verifier (haraka-plugin-dkim) accepts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addDkimKey, readDkimKey, requireDkimKey, dkimDnsRecord, dkimZoneLine, dkimSignature, signingKey } from '../../../lib/submission';
import { verifyDkim } from '../../helpers/dkim';

const MESSAGE = Buffer.from(
  'From: Alice <alice@example.com>\r\nTo: bob@remote.test\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCaf\xe9 cr\xe8me.\r\n..dot line\r\n',
  'latin1',
);

describe('lib/submission dkim', function () {
  this.timeout(20000);
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mh-dkim-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('generates one key per domain, 0600 in the data dir, and refuses a second', async () => {
    const key = await addDkimKey(dataDir, 'Example.COM', { selector: 's2026', bits: 1024 });
    assert.equal(key.domain, 'example.com');
    assert.equal(key.selector, 's2026');
    const file = path.join(dataDir, 'dkim', 'example.com', 'private.pem');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dataDir, 'dkim')).mode & 0o777, 0o700);
    assert.deepEqual(readDkimKey(dataDir, 'example.com'), key);
    await assert.rejects(addDkimKey(dataDir, 'example.com'), /already has a DKIM key/);
    assert.equal(readDkimKey(dataDir, 'other.test'), null);
    assert.throws(() => requireDkimKey(dataDir, 'other.test'), /mailhost dkim add other\.test/);
    await assert.rejects(addDkimKey(dataDir, 'x.test', { bits: 512 }), /1024 to 4096/);
    await assert.rejects(addDkimKey(dataDir, 'x.test', { selector: 'bad selector' }), /invalid selector/);
  });

  it('publishes v=DKIM1 with the public key, split in 255-byte strings for the zone file', async () => {
    const key = await addDkimKey(dataDir, 'example.com', { bits: 2048 });
    const rec = dkimDnsRecord(key);
    assert.equal(rec.name, 'mailhost._domainkey.example.com');
    assert.match(rec.value, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    const line = dkimZoneLine(key);
    assert.ok(line.startsWith('mailhost._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; p='));
    const strings = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    assert.ok(strings.length > 1 && strings.every((s) => s.length <= 255));
    assert.equal(strings.join(''), rec.value);
  });

  it('signs 8-bit mail so that the verifier passes it, and fails it once the body changes', async () => {
    const key = await addDkimKey(dataDir, 'example.com', { bits: 1024 });
    const sig = await dkimSignature(key, MESSAGE);
    assert.match(sig, /^v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.com; .*s=mailhost;/);
    assert.ok(!/[\r\n]/.test(sig));
    const records = { [dkimDnsRecord(key).name]: dkimDnsRecord(key).value };
    const signed = Buffer.concat([Buffer.from(`DKIM-Signature: ${sig}\r\n`), MESSAGE]);
    const ok = await verifyDkim(signed, records);
    assert.equal(ok.result, 'pass', JSON.stringify(ok));
    assert.equal(ok.results[0].domain, 'example.com');
    const tampered = Buffer.from(signed.toString('latin1').replace('cr\xe8me', 'creme'), 'latin1');
    assert.equal((await verifyDkim(tampered, records)).result, 'fail');
  });

  it('picks the first domain that has a key (header From, then envelope)', async () => {
    await addDkimKey(dataDir, 'fwd.example', { bits: 1024 });
    assert.equal(signingKey(dataDir, ['remote.test', 'fwd.example'])?.domain, 'fwd.example');
    assert.equal(signingKey(dataDir, [null, 'nope.test']), null);
  });
});
