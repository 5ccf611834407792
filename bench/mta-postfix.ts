// Setup (p) of bench/mta.ts: a private Postfix instance as ISPs run it — MySQL maps over the
// same seeded mailhost tables, virtual(8) delivery into Maildir — so that our chain is compared
// with the usual alternative under the same load. Installs nothing: needs Debian's `postfix`
// and `postfix-mysql` packages and root (Postfix's master starts as root). Everything lives
// under one temp dir (config, queue, data, log, mail); it listens on a loopback port only and
// never touches the system instance.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export interface PostfixInstance {
  name: 'p';
  pid: number;
  port: number;
  /** where mail/<domain>/<local>/Maildir lives, as for the Haraka setups */
  dataDir: string;
  plugins: string[];
  log(): string;
  stop(): Promise<void>;
}

const POSTFIX = '/usr/sbin/postfix';
const MYSQL_MAP = '/usr/lib/postfix/postfix-mysql.so';
// the delivery user of virtual(8); Maildirs are made for it before the load
const VMAIL_UID = 5000;

/** Why --postfix cannot run here, or null. */
export function postfixMissing(): string | null {
  if (!fs.existsSync(POSTFIX)) return 'Postfix is not installed (apt-get install postfix postfix-mysql)';
  if (!fs.existsSync(MYSQL_MAP)) return 'postfix-mysql is not installed (apt-get install postfix-mysql)';
  if (process.getuid?.() !== 0) return "Postfix's master must be started as root";
  return null;
}

// The maps, on mailhost's own schema: hosted domains, mailboxes (-> their Maildir under
// virtual_mailbox_base), aliases (one row per target; Postfix joins them).
const MAPS: Record<string, string> = {
  domains: "SELECT name FROM domains WHERE name = '%s' AND active = 1",
  mailboxes: "SELECT CONCAT(SUBSTRING_INDEX(address, '@', -1), '/', local_part, '/Maildir/') FROM mailboxes WHERE address = '%s' AND active = 1",
  aliases: "SELECT t.target FROM aliases a JOIN alias_targets t ON t.alias_id = a.id WHERE a.address = '%s' AND a.active = 1",
};

// Only what a virtual-mailbox MTA uses; nothing chrooted (a chroot would need copies of /etc files).
const SERVICES = [
  'pickup unix n - n 60 1 pickup',
  'cleanup unix n - n - 0 cleanup',
  'qmgr unix n - n 300 1 qmgr',
  'rewrite unix - - n - - trivial-rewrite',
  'bounce unix - - n - 0 bounce',
  'defer unix - - n - 0 bounce',
  'trace unix - - n - 0 bounce',
  'verify unix - - n - 1 verify',
  'flush unix n - n 1000? 0 flush',
  'proxymap unix - - n - - proxymap',
  'proxywrite unix - - n - 1 proxymap',
  'smtp unix - - n - - smtp',
  'relay unix - - n - - smtp',
  'showq unix n - n - - showq',
  'error unix - - n - - error',
  'retry unix - - n - - error',
  'discard unix - - n - - discard',
  'local unix - n n - - local',
  'virtual unix - n n - - virtual',
  'anvil unix - - n - 1 anvil',
  'scache unix - - n - 1 scache',
  'postlog unix-dgram n - n - 1 postlogd',
];

export async function startPostfix(base: string, dbUrl: string, port: number, maildirsFor: string[]): Promise<PostfixInstance> {
  const url = new URL(dbUrl);
  const dirs = { etc: path.join(base, 'etc'), spool: path.join(base, 'spool'), data: path.join(base, 'data'), log: path.join(base, 'log'), mail: path.join(base, 'data-p', 'mail') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  // Postfix's daemons (user postfix) and virtual(8) (VMAIL_UID) must get through the temp dir
  // (base and the bench's own temp dir only: never a shared parent such as /tmp)
  for (const d of [path.dirname(base), base]) fs.chmodSync(d, 0o755);
  const owner = Number(execFileSync('id', ['-u', 'postfix']).toString().trim());
  const group = Number(execFileSync('id', ['-g', 'postfix']).toString().trim());
  fs.chownSync(dirs.data, owner, group);
  const mapFile = (name: string) => path.join(dirs.etc, `mysql-${name}.cf`);
  for (const [name, query] of Object.entries(MAPS)) {
    const lines = [
      `hosts = inet:${url.hostname}:${url.port || 3306}`,
      `user = ${decodeURIComponent(url.username || 'root')}`,
      `password = ${decodeURIComponent(url.password)}`,
      `dbname = ${url.pathname.replace(/^\//, '')}`,
      `query = ${query}`,
    ];
    fs.writeFileSync(mapFile(name), `${lines.join('\n')}\n`, { mode: 0o640 });
    fs.chownSync(mapFile(name), 0, group); // proxymap runs as postfix; the password stays from others
  }
  const main = {
    compatibility_level: '3.6',
    config_directory: dirs.etc,
    queue_directory: dirs.spool,
    data_directory: dirs.data,
    meta_directory: '/etc/postfix',
    myhostname: 'mx.bench.test',
    mydestination: '',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    relayhost: '',
    smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
    // the load comes from loopback: no DNS that could stall it
    smtpd_peername_lookup: 'no',
    smtp_dns_support_level: 'disabled',
    // logging without syslogd: postlogd writes the file
    maillog_file: path.join(dirs.log, 'postfix.log'),
    maillog_file_prefixes: dirs.log,
    virtual_mailbox_domains: `proxy:mysql:${mapFile('domains')}`,
    virtual_mailbox_maps: `proxy:mysql:${mapFile('mailboxes')}`,
    virtual_alias_maps: `proxy:mysql:${mapFile('aliases')}`,
    virtual_mailbox_base: dirs.mail,
    virtual_uid_maps: `static:${VMAIL_UID}`,
    virtual_gid_maps: `static:${VMAIL_UID}`,
    virtual_minimum_uid: '100',
    virtual_transport: 'virtual',
    in_flow_delay: '0',
    // up to 100 clients at once (the bench's highest concurrency)
    default_process_limit: '150',
  };
  fs.writeFileSync(path.join(dirs.etc, 'main.cf'), Object.entries(main).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  fs.writeFileSync(path.join(dirs.etc, 'master.cf'), [`127.0.0.1:${port} inet n - n - - smtpd`, ...SERVICES].join('\n') + '\n');
  // steady state, as for the Haraka setups: every Maildir exists, owned by the delivery user
  for (const addr of maildirsFor) {
    const at = addr.lastIndexOf('@');
    let dir = dirs.mail;
    for (const seg of [addr.slice(at + 1), addr.slice(0, at), 'Maildir']) {
      dir = path.join(dir, seg);
      fs.mkdirSync(dir, { recursive: true });
      fs.chownSync(dir, VMAIL_UID, VMAIL_UID);
    }
    for (const sub of ['tmp', 'new', 'cur']) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
      fs.chownSync(path.join(dir, sub), VMAIL_UID, VMAIL_UID);
    }
  }
  const run = (...args: string[]) => {
    try {
      return execFileSync(POSTFIX, ['-c', dirs.etc, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    } catch (err) {
      const e = err as { stderr?: Buffer; stdout?: Buffer };
      throw new Error(`postfix ${args.join(' ')} failed: ${String(e.stderr ?? '')}${String(e.stdout ?? '')}${readLog(dirs.log).slice(-1500)}`);
    }
  };
  // read before the start: a failure after it would leave a master running that nothing stops
  const version = execFileSync('/usr/sbin/postconf', ['-d', '-h', 'mail_version']).toString().trim();
  run('check'); // creates the queue directories with their owners
  run('start');
  const pidFile = path.join(dirs.spool, 'pid', 'master.pid');
  const deadline = Date.now() + 20000;
  while (!fs.existsSync(pidFile) || !Number(fs.readFileSync(pidFile, 'utf8').trim())) {
    if (Date.now() > deadline) throw new Error(`Postfix did not start: ${readLog(dirs.log).slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  let stopped: Promise<void> | null = null;
  return {
    name: 'p',
    pid,
    port,
    dataDir: path.join(base, 'data-p'),
    plugins: [`Postfix ${version}: MySQL maps (proxymap) on the seeded tables, virtual(8) into Maildir`],
    log: () => readLog(dirs.log),
    stop: () =>
      (stopped ??= (async () => {
        try {
          run('stop');
        } catch {
          // already gone
        }
      })()),
  };
}

function readLog(dir: string): string {
  const f = path.join(dir, 'postfix.log');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').slice(-100000) : '';
}
