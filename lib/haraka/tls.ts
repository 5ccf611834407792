// The certificate Haraka's TLS uses (STARTTLS on every listener, implicit TLS on the
// submission TLS port). A real one is named by MAILHOST_TLS_CERT / MAILHOST_TLS_KEY; without
// them a self-signed one is generated once into the data dir with Debian's openssl, so that
// submission works on a fresh install and Haraka no longer logs "tls key could not be loaded".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SettingsError, type Settings } from '../core';

export interface TlsFiles { cert: string; key: string; dhparam: string }

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60000 });
}

/** Writes `file` through a temporary name so a half-written key or certificate is never read. */
function generate(file: string, make: (tmp: string) => void): void {
  if (fs.existsSync(file)) return;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    make(tmp);
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * The certificate, key and DH parameters Haraka loads (absolute paths). The DH parameters are
 * the RFC 7919 ffdhe2048 group: instant to write, where Haraka would otherwise spend many
 * seconds generating its own at every start of a fresh Haraka directory.
 */
export function ensureTlsFiles(settings: Settings, hostname = os.hostname()): TlsFiles {
  const dir = path.join(settings.dataDir, 'tls');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dhparam = path.join(dir, 'dhparams.pem');
  generate(dhparam, (tmp) => openssl(['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', tmp]));
  if (settings.tlsCert || settings.tlsKey) {
    if (!settings.tlsCert || !settings.tlsKey) throw new SettingsError('MAILHOST_TLS_CERT and MAILHOST_TLS_KEY go together');
    for (const f of [settings.tlsCert, settings.tlsKey]) if (!fs.existsSync(f)) throw new SettingsError(`TLS file ${f} does not exist`);
    return { cert: settings.tlsCert, key: settings.tlsKey, dhparam };
  }
  const key = path.join(dir, 'self-signed.key');
  const cert = path.join(dir, 'self-signed.crt');
  if (!fs.existsSync(cert) || !fs.existsSync(key)) {
    fs.rmSync(cert, { force: true });
    fs.rmSync(key, { force: true });
    const name = hostname.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
    // key and certificate made together, then renamed key first: a cert present means both are
    const tmpKey = `${key}.${process.pid}.tmp`;
    generate(cert, (tmpCert) => {
      try {
        openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name},DNS:localhost`, '-keyout', tmpKey, '-out', tmpCert]);
        fs.chmodSync(tmpKey, 0o600);
        fs.renameSync(tmpKey, key);
      } finally {
        fs.rmSync(tmpKey, { force: true });
      }
    });
  }
  return { cert, key, dhparam };
}

/** config/tls.ini for those files. */
export function tlsIni(files: TlsFiles): string {
  return ['[main]', `key=${files.key}`, `cert=${files.cert}`, `dhparam=${files.dhparam}`, ''].join('\n');
}
