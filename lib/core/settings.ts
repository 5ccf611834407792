// Runtime settings, read from the environment with safe defaults.
// Never read at import time: callers pass the env (tests pass their own).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import os from 'node:os';

export interface HostPort { host: string; port: number }

export interface Settings {
  /** knex connection URL: sqlite:///abs/path.sqlite or mysql://user:pass@host:port/db */
  db: string;
  /** root of everything we write: SQLite file, Maildirs, secrets */
  dataDir: string;
  smtpListen: HostPort;
  httpListen: HostPort;
  /** smarthost for ALL outbound mail; undefined = normal MX delivery */
  relay?: HostPort;
  /** address that receives postmaster@ mail of domains without an explicit target */
  postmaster?: string;
  /** Haraka smtp.ini nodes= (0 = single process) */
  smtpNodes: number;
  /** SRS secret when given (env or mailhost.ini); otherwise generated into the data dir */
  srsSecret?: string;
  /** where local copies go: our own Maildir writes, or Dovecot's LMTP (MAILHOST_DELIVERY=lmtp://host:port) */
  delivery: { kind: 'maildir' } | { kind: 'lmtp'; lmtp: HostPort };
  /** the submission listener (STARTTLS then AUTH required); undefined = none ("off") */
  submissionListen?: HostPort;
  /** the implicit-TLS submission listener (port 465 style); undefined = none */
  submissionTlsListen?: HostPort;
  /** PEM files of a real certificate; when absent a self-signed one is made in the data dir */
  tlsCert?: string;
  tlsKey?: string;
  /** outbound abuse limits of authenticated senders (per-domain and per-mailbox overrides in SQL) */
  sending: SendingDefaults;
  /** what mail clients are told to connect to for IMAP and POP3 (the home page, the manual) */
  mailClients: MailClientPorts;
  /** a webmail the mailbox owners are sent to (MAILHOST_WEBMAIL_URL); undefined = none */
  webmailUrl?: string;
}

export type PortSecurity = 'starttls' | 'ssl' | 'none';
export interface ClientPort { port: number; security: PortSecurity }

export interface MailClientPorts {
  /** the host name mail clients use (MAILHOST_MAIL_HOST, default this machine's name) */
  host: string;
  imap: ClientPort[];
  pop3: ClientPort[];
}

export interface SendingDefaults {
  /** messages a mailbox may send per clock hour */
  perHour: number;
  /** recipients a mailbox may send to over the last 24 hours */
  rcptPerDay: number;
  /** an outgoing message scoring at least this is spam */
  spamScore: number;
  /** spam messages in one hour that suspend the mailbox's sending */
  spamStrikes: number;
  /** how long a suspension lasts */
  suspendHours: number;
}

export class SettingsError extends Error {}

export function parseHostPort(value: string, name: string): HostPort {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port < 1 || port > 65535) {
    throw new SettingsError(`${name} must be host:port, got "${value}"`);
  }
  return { host: m[1], port };
}

/** MAILHOST_DELIVERY: "maildir" (the default) or lmtp://host[:port] (port 24 by default). */
export function parseDelivery(value: string | undefined): Settings['delivery'] {
  const v = (value ?? '').trim();
  if (!v || v === 'maildir') return { kind: 'maildir' };
  const m = /^lmtp:\/\/(.+?)\/?$/i.exec(v);
  if (!m) throw new SettingsError(`MAILHOST_DELIVERY must be maildir or lmtp://host:port, got "${v}"`);
  return { kind: 'lmtp', lmtp: parseHostPort(/:\d+$/.test(m[1]) ? m[1] : `${m[1]}:24`, 'MAILHOST_DELIVERY') };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new SettingsError(`${name} must be a positive number, got "${raw}"`);
  return n;
}

function optionalListen(env: NodeJS.ProcessEnv, name: string, fallback?: string): HostPort | undefined {
  const raw = env[name] ?? fallback;
  if (!raw || raw === 'off') return undefined;
  return parseHostPort(raw, name);
}

/** "143/starttls,993/ssl" (or "off"): the ports of a protocol as mail clients should use them. */
export function parseClientPorts(value: string, name: string): ClientPort[] {
  const v = value.trim().toLowerCase();
  if (!v || v === 'off') return [];
  return v.split(',').map((part) => {
    const m = /^(\d{1,5})\/(starttls|ssl|none)$/.exec(part.trim());
    const port = m ? Number(m[1]) : NaN;
    if (!m || port < 1 || port > 65535) throw new SettingsError(`${name} must be a list of port/security (starttls, ssl or none), e.g. 143/starttls,993/ssl, or off; got "${value}"`);
    return { port, security: m[2] as PortSecurity };
  });
}

function webmailUrl(raw: string | undefined): string | undefined {
  const v = (raw ?? '').trim();
  if (!v) return undefined;
  if (!/^https?:\/\/[^\s"<>]+$/i.test(v)) throw new SettingsError(`MAILHOST_WEBMAIL_URL must be an http:// or https:// address, got "${v}"`);
  return v;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const dataDir = path.resolve(cwd, env.MAILHOST_DATA || './data');
  const db = env.MAILHOST_DB || `sqlite://${path.join(dataDir, 'mailhost.sqlite')}`;
  const nodes = env.MAILHOST_SMTP_NODES === undefined ? 1 : Number(env.MAILHOST_SMTP_NODES);
  if (!Number.isInteger(nodes) || nodes < 0) throw new SettingsError('MAILHOST_SMTP_NODES must be an integer >= 0');
  return {
    db,
    dataDir,
    smtpListen: parseHostPort(env.MAILHOST_SMTP_LISTEN || '127.0.0.1:2525', 'MAILHOST_SMTP_LISTEN'),
    httpListen: parseHostPort(env.MAILHOST_HTTP_LISTEN || '127.0.0.1:8080', 'MAILHOST_HTTP_LISTEN'),
    relay: env.MAILHOST_RELAY ? parseHostPort(env.MAILHOST_RELAY, 'MAILHOST_RELAY') : undefined,
    postmaster: env.MAILHOST_POSTMASTER || undefined,
    smtpNodes: nodes,
    srsSecret: env.MAILHOST_SRS_SECRET || undefined,
    delivery: parseDelivery(env.MAILHOST_DELIVERY),
    submissionListen: optionalListen(env, 'MAILHOST_SUBMISSION_LISTEN', '127.0.0.1:5870'),
    submissionTlsListen: optionalListen(env, 'MAILHOST_SUBMISSION_TLS_LISTEN'),
    tlsCert: env.MAILHOST_TLS_CERT ? path.resolve(cwd, env.MAILHOST_TLS_CERT) : undefined,
    tlsKey: env.MAILHOST_TLS_KEY ? path.resolve(cwd, env.MAILHOST_TLS_KEY) : undefined,
    sending: {
      perHour: positive(env, 'MAILHOST_SEND_PER_HOUR', 200),
      rcptPerDay: positive(env, 'MAILHOST_SEND_RCPT_PER_DAY', 1000),
      spamScore: positive(env, 'MAILHOST_SEND_SPAM_SCORE', 5),
      spamStrikes: positive(env, 'MAILHOST_SEND_SPAM_STRIKES', 3),
      suspendHours: positive(env, 'MAILHOST_SEND_SUSPEND_HOURS', 72),
    },
    mailClients: {
      host: (env.MAILHOST_MAIL_HOST ?? '').trim() || os.hostname(),
      imap: parseClientPorts(env.MAILHOST_IMAP_PORTS ?? '143/starttls', 'MAILHOST_IMAP_PORTS'),
      pop3: parseClientPorts(env.MAILHOST_POP3_PORTS ?? 'off', 'MAILHOST_POP3_PORTS'),
    },
    webmailUrl: webmailUrl(env.MAILHOST_WEBMAIL_URL),
  };
}

/**
 * A secret kept in the data directory: taken from env when given, otherwise generated
 * once (0600) and reused, so every node sharing the data dir signs alike.
 */
export function dataSecret(dataDir: string, name: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, `${name}.secret`);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString('hex');
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    // another process created it first: use theirs
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw err;
  }
}

export function srsSecret(settings: Settings): string {
  return dataSecret(settings.dataDir, 'srs', settings.srsSecret);
}
