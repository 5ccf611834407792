// The certificate Haraka uses: a self-signed one generated once into the data dir (key 0600),
// or the real one named in the settings; and the listeners written into smtp.ini.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTlsFiles, tlsIni, prepareHarakaDir } from '../../../lib/haraka';
import { loadSettings } from '../../../lib/core';

describe('lib/haraka tls', function () {
  this.timeout(30000);
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mh-tls-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('generates a self-signed certificate once, key 0600, and reuses it', () => {
    const settings = loadSettings({ MAILHOST_DATA: dataDir });
    const files = ensureTlsFiles(settings, 'mail.example.test');
    assert.equal(fs.statSync(files.key).mode & 0o777, 0o600);
    const cert = new crypto.X509Certificate(fs.readFileSync(files.cert));
    assert.match(cert.subject, /CN=mail\.example\.test/);
    assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(files.key))));
    assert.match(fs.readFileSync(files.dhparam, 'utf8'), /BEGIN DH PARAMETERS/);
    const again = ensureTlsFiles(settings, 'other.name');
    assert.equal(fs.readFileSync(again.cert, 'utf8'), fs.readFileSync(files.cert, 'utf8'));
    assert.equal(tlsIni(files), `[main]\nkey=${files.key}\ncert=${files.cert}\ndhparam=${files.dhparam}\n`);
  });

  it('uses the configured certificate, and refuses half or missing settings', () => {
    const own = ensureTlsFiles(loadSettings({ MAILHOST_DATA: path.join(dataDir, 'elsewhere') }));
    const files = ensureTlsFiles(loadSettings({ MAILHOST_DATA: dataDir, MAILHOST_TLS_CERT: own.cert, MAILHOST_TLS_KEY: own.key }));
    assert.deepEqual([files.cert, files.key], [own.cert, own.key]);
    assert.ok(!fs.existsSync(path.join(dataDir, 'tls', 'self-signed.key')));
    assert.throws(() => ensureTlsFiles(loadSettings({ MAILHOST_DATA: dataDir, MAILHOST_TLS_CERT: own.cert })), /go together/);
    assert.throws(() => ensureTlsFiles(loadSettings({ MAILHOST_DATA: dataDir, MAILHOST_TLS_CERT: own.cert, MAILHOST_TLS_KEY: '/nonexistent.key' })), /does not exist/);
  });

  it('listens on the MX and submission addresses, implicit TLS on the submission TLS port', () => {
    const dir = path.join(dataDir, 'haraka');
    const env = { MAILHOST_DATA: dataDir, MAILHOST_SMTP_LISTEN: '0.0.0.0:25', MAILHOST_SUBMISSION_LISTEN: '0.0.0.0:587', MAILHOST_SUBMISSION_TLS_LISTEN: '0.0.0.0:465' };
    prepareHarakaDir({ dir, settings: loadSettings(env) });
    const smtp = fs.readFileSync(path.join(dir, 'config', 'smtp.ini'), 'utf8');
    assert.match(smtp, /^listen=0\.0\.0\.0:25,0\.0\.0\.0:587,0\.0\.0\.0:465$/m);
    assert.match(smtp, /^smtps_port=465$/m);
    assert.match(fs.readFileSync(path.join(dir, 'config', 'tls.ini'), 'utf8'), /^cert=.*self-signed\.crt$/m);
    prepareHarakaDir({ dir, settings: loadSettings({ ...env, MAILHOST_SUBMISSION_LISTEN: 'off', MAILHOST_SUBMISSION_TLS_LISTEN: '' }) });
    assert.match(fs.readFileSync(path.join(dir, 'config', 'smtp.ini'), 'utf8'), /^listen=0\.0\.0\.0:25$/m);
    assert.throws(() => prepareHarakaDir({ dir, settings: loadSettings({ ...env, MAILHOST_SUBMISSION_LISTEN: '127.0.0.1:25' }) }), /distinct ports/);
  });
});
