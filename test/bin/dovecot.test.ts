// `mailhost dovecot config`: the files it writes, that Dovecot's own parser accepts them, and
// exit 2 with one line on bad arguments. (A real Dovecot runs it in test/e2e/dovecot.test.ts.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../bin/cli';

/** Dovecot's own parser accepts the configuration (when Dovecot is installed). */
function doveconfAccepts(out: string): void {
  if (!fs.existsSync('/usr/bin/doveconf')) return;
  const check = spawnSync('doveconf', ['-c', path.join(out, 'dovecot.conf'), '-n'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
}

describe('mailhost dovecot config', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-dovecot-cli-'));
    env = { MAILHOST_DB: `sqlite://${dir}/data/mailhost.sqlite`, MAILHOST_DATA: path.join(dir, 'data') };
    fs.mkdirSync(env.MAILHOST_DATA!);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['dovecot', 'config', ...argv], { env, out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out, err };
  }

  it('writes dovecot.conf, the SQL file (0600), the sieve scripts and the learn program, all pointing at this install', async () => {
    const out = path.join(dir, 'conf');
    const r = await run('--out', out, '--imap-listen', '127.0.0.1:1143', '--lmtp-listen', '127.0.0.1:1024');
    assert.equal(r.code, 0, r.err.join('|'));
    assert.match(r.out.at(-1)!, new RegExp(`dovecot -c ${out}/dovecot.conf$`));
    const conf = fs.readFileSync(path.join(out, 'dovecot.conf'), 'utf8');
    assert.match(conf, new RegExp(`^base_dir = ${out}/run$`, 'm'));
    assert.match(conf, new RegExp(`^mail_home = ${env.MAILHOST_DATA}/mail/%Ld/%Ln$`, 'm'));
    assert.match(conf, /inet_listener imap \{\n {4}address = 127\.0\.0\.1\n {4}port = 1143\n/);
    assert.match(conf, /inet_listener lmtp \{\n {4}address = 127\.0\.0\.1\n {4}port = 1024\n/);
    assert.equal(fs.statSync(path.join(out, 'dovecot-sql.conf.ext')).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(out, 'dovecot-sql.conf.ext'), 'utf8'), new RegExp(`^connect = ${dir}/data/mailhost\\.sqlite$`, 'm'));
    const learn = path.join(out, 'sieve-bin', 'mailhost-learn');
    assert.ok(fs.statSync(learn).mode & 0o100, 'the learn program is executable');
    assert.match(fs.readFileSync(learn, 'utf8'), /MAILHOST_DB='sqlite:\/\/.*' MAILHOST_DATA='.*' exec '.*' '.*bin\/mailhost' learn "--\$1" --domain "\$\{2##\*@\}" \/dev\/stdin/);
    assert.match(fs.readFileSync(path.join(out, 'sieve', 'learn-spam.sieve'), 'utf8'), /pipe :copy "mailhost-learn" \["spam", "\$\{user\}"\];/);
    doveconfAccepts(out);
  });

  it('without --lmtp-listen, LMTP is only a socket under the directory', async () => {
    const out = path.join(dir, 'conf');
    assert.equal((await run('--out', out)).code, 0);
    const conf = fs.readFileSync(path.join(out, 'dovecot.conf'), 'utf8');
    assert.doesNotMatch(conf, /inet_listener lmtp/);
    assert.match(conf, /inet_listener imap \{\n {4}address = 127\.0\.0\.1\n {4}port = 143\n/);
  });

  it('with a certificate: STARTTLS (ssl = yes) with that certificate and key', async function () {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=mail.example.test']);
    if (made.status !== 0) return this.skip(); // no openssl here
    const out = path.join(dir, 'conf');
    assert.equal((await run('--out', out, '--tls-cert', cert, '--tls-key', key)).code, 0);
    const conf = fs.readFileSync(path.join(out, 'dovecot.conf'), 'utf8');
    assert.match(conf, new RegExp(`^ssl = yes\nssl_cert = <${cert}\nssl_key = <${key}$`, 'm'));
    doveconfAccepts(out);
  });

  it('bad arguments: exit 2 with one line, nothing written', async () => {
    const out = path.join(dir, 'conf');
    for (const [argv, re] of [
      [[], /--out/],
      [['--out', out, '--imap-listen', 'nowhere'], /--imap-listen must be host:port/],
      [['--out', out, '--tls-cert', '/etc/ssl/cert.pem'], /usage: mailhost dovecot config/],
    ] as [string[], RegExp][]) {
      const r = await run(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err.join('|')}`);
      assert.equal(r.err.length, 1);
      assert.match(r.err[0], re);
    }
    assert.equal(fs.existsSync(out), false);
  });
});
