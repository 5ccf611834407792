// DKIM keys, one per domain, kept in the data dir (outside the web root, 0600) as
// <data>/dkim/<domain>/selector and private.pem, and the DKIM-Signature of outgoing mail
// (nodemailer's signer, relaxed/relaxed, rsa-sha256). Every node sharing the data dir signs alike.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import DKIM from 'nodemailer/lib/dkim';
import { normalizeDomain, invalid, conflict, notFound } from '../core';

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
  /** base64 DER of the public key, as published in DNS (p=) */
  publicKey: string;
}

export const DEFAULT_SELECTOR = 'mailhost';
export const DEFAULT_BITS = 2048;

function requireDomain(input: string): string {
  const d = normalizeDomain(String(input ?? ''));
  if (!d) throw invalid('domain', `invalid domain "${input}"`);
  return d;
}

function keyDir(dataDir: string, domain: string): string {
  return path.join(dataDir, 'dkim', domain);
}

function publicOf(privateKey: string): string {
  return crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** The key of a domain, or null when it has none. */
export function readDkimKey(dataDir: string, domainInput: string): DkimKey | null {
  const domain = normalizeDomain(domainInput);
  if (!domain) return null;
  const dir = keyDir(dataDir, domain);
  let selector: string;
  let privateKey: string;
  try {
    selector = fs.readFileSync(path.join(dir, 'selector'), 'utf8').trim();
    privateKey = fs.readFileSync(path.join(dir, 'private.pem'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return { domain, selector, privateKey, publicKey: publicOf(privateKey) };
}

/** Generates a domain's key; refuses when it already has one (its DNS record is published). */
export async function addDkimKey(dataDir: string, domainInput: string, opts: { selector?: string; bits?: number } = {}): Promise<DkimKey> {
  const domain = requireDomain(domainInput);
  const selector = (opts.selector ?? DEFAULT_SELECTOR).toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(selector)) throw invalid('selector', `invalid selector "${opts.selector}"`);
  const bits = opts.bits ?? DEFAULT_BITS;
  if (!Number.isInteger(bits) || bits < 1024 || bits > 4096) throw invalid('bits', 'bits must be an integer from 1024 to 4096');
  if (readDkimKey(dataDir, domain)) throw conflict('domain', `${domain} already has a DKIM key (mailhost dkim show ${domain})`);
  const { privateKey } = await promisify(crypto.generateKeyPair)('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const dir = keyDir(dataDir, domain);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(dir), 0o700);
  // the key first, the selector last: a key counts as present only once both are complete
  const write = (name: string, content: string) => {
    const tmp = path.join(dir, `.${name}.${process.pid}`);
    fs.writeFileSync(tmp, content, { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, name));
  };
  write('private.pem', privateKey as unknown as string);
  write('selector', `${selector}\n`);
  return readDkimKey(dataDir, domain)!;
}

/** The key or a not-found error naming the command that makes one. */
export function requireDkimKey(dataDir: string, domainInput: string): DkimKey {
  const domain = requireDomain(domainInput);
  const key = readDkimKey(dataDir, domain);
  if (!key) throw notFound(`${domain} has no DKIM key yet (mailhost dkim add ${domain})`);
  return key;
}

/** The DNS TXT record that publishes the key. */
export function dkimDnsRecord(key: DkimKey): { name: string; value: string } {
  return { name: `${key.selector}._domainkey.${key.domain}`, value: `v=DKIM1; k=rsa; p=${key.publicKey}` };
}

/** One zone-file line, long values split in 255-byte strings as DNS TXT requires. */
export function dkimZoneLine(key: DkimKey): string {
  const { name, value } = dkimDnsRecord(key);
  const parts = value.match(/.{1,255}/g) ?? [];
  return `${name}. IN TXT ( ${parts.map((p) => `"${p}"`).join(' ')} )`;
}

/**
 * The key to sign with: the first of these domains (header From first, then the envelope
 * sender, e.g. our SRS domain on a forward) that has one.
 */
export function signingKey(dataDir: string, domains: (string | null | undefined)[]): DkimKey | null {
  for (const d of domains) {
    const key = d ? readDkimKey(dataDir, d) : null;
    if (key) return key;
  }
  return null;
}

/** The value of the DKIM-Signature header field for `message` (unfolded, one line). */
export async function dkimSignature(key: DkimKey, message: Buffer): Promise<string> {
  const signer = new DKIM({ domainName: key.domain, keySelector: key.selector, privateKey: key.privateKey });
  const chunks: Buffer[] = [];
  const out = signer.sign(message);
  for await (const c of out) {
    chunks.push(c as Buffer);
    // the signature is the first header field: stop once the header block is past
    if (Buffer.concat(chunks).indexOf('\r\n\r\n') >= 0) break;
  }
  out.destroy();
  const head = Buffer.concat(chunks).toString('latin1');
  const m = /^DKIM-Signature:\s*((?:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*))/i.exec(head);
  if (!m) throw new Error('DKIM signer gave no signature');
  return m[1].replace(/\r?\n[ \t]+/g, ' ').trim();
}
