// MTA benchmark (`npm run bench`): seeds a throwaway database with 10,000 domains, 100,000
// mailboxes and 100,000 aliases, measures recipient resolution latency in-process, then sends
// the same SMTP load from a separate process (dist/bench/mta-load.js) to
//   (a) bare Haraka: mailhost.loopback_rdns + rcpt_to.in_host_list + queue/discard
//   (b) the full mailhost chain from config/plugins, delivering to Maildir
// at each concurrency level, and prints msgs/s for both and the ratio b/a.
//
//   node dist/bench/mta.js [--db mysql://root@127.0.0.1:3306/ | --db sqlite] [--messages 5000]
//        [--concurrency 1,20,100] [--nodes 0] [--size 3000] [--lookups 10000] [--per-connection 100]
//        [--repeat 1] [--warmup 300]
//        [--domains 10000 --mailboxes 100000 --aliases 100000] [--breakdown] [--cold-maildirs]
//        [--b-plugins p1,p2,...] [--cpu-prof DIR] [--json] [--postfix]
//
// --breakdown adds two setups that split the cost of (b):
//   (r) loopback_rdns + mailhost.rcpt + queue/discard: our recipient checks, no delivery;
//   (f) loopback_rdns + rcpt_to.in_host_list + a bench-only queue plugin that writes each message
//       durably with lib/maildir (no database at all): the floor any durable Maildir MTA pays.
// The Maildirs of the recipients are created before the load (steady state: a mailbox has
// received mail before); --cold-maildirs leaves that to the first delivery.
// --repeat N runs every level N times per setup, alternating, and reports the median run.
// --warmup N sends every setup N messages (concurrency 20) before the measured levels, to other
// recipients than the measured ones: the code is compiled and the rule thread ready (steady
// state), while the directory cache knows none of the measured recipients yet. Each level and
// repeat sends to its own recipients (the same for every setup), so no run finds them cached.
// Per run it also prints the CPU each process used per message (from /proc), to show where the
// time goes and whether other work on a shared machine skewed the figures.
// --postfix adds setup (p): a private Postfix with MySQL maps on the same seeded tables and
//   virtual(8) Maildir delivery (bench/mta-postfix.ts; needs Debian's postfix + postfix-mysql, MySQL,
//   root), run alternately with the others. Its "done" is delivered into the Maildir (files counted),
//   not merely accepted: both rates are printed, and b/p against each.
// --b-plugins replaces config/plugins for (b) (default: the repository's list at run time).
// Environment is passed on to Haraka (e.g. UV_THREADPOOL_SIZE=16 to try a bigger fs pool).
//
// With a MySQL URL a database named mailhost_bench_<pid>_<hex> is created on that server and
// dropped at the end (the URL's own database name, if any, is not touched). Everything listens
// on 127.0.0.1; temp dirs are removed at the end, also on Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { openDb, migrateLatest, isMysqlUrl, type Db, loadSettings } from '../lib/core';
import { prepareHarakaDir, harakaCommand, waitForBanner, freePort, REPO_ROOT } from '../lib/haraka';
import { sqlDirectory, cachedDirectory, resolveRecipient, type Directory } from '../lib/directory';
import { maildirPath } from '../lib/delivery';
import { seed, sampleAddresses, mailboxAddress, domainName, domainAliasName, hasDomainAlias, prng, type SeedSize, type SampleKind } from './mta-seed';
import { percentile, type LoadConfig, type LoadResult } from './mta-load';
import { undo, cleanup, createDatabase, settle, intArg } from './harness';
import { startPostfix, postfixMissing } from './mta-postfix';
import { treeCpuMs, treeRssMb, findPids, pidsCpuMs, machineBusyMs, snapshotAll, topUsers } from './mta-cpu';

interface Options {
  db: string;
  messages: number;
  concurrency: number[];
  nodes: number;
  size: number;
  lookups: number;
  perConnection: number;
  repeat: number;
  seed: SeedSize;
  breakdown: boolean;
  coldMaildirs: boolean;
  bPlugins?: string[];
  cpuProf?: string;
  json: boolean;
  postfix: boolean;
  warmup: number;
}

const USAGE = `usage: node dist/bench/mta.js [--db URL|sqlite] [--messages N] [--concurrency 1,20,100] [--nodes 0|1]
  [--size BYTES] [--lookups N] [--per-connection N] [--repeat N] [--warmup N] [--domains N] [--mailboxes N] [--aliases N]
  [--breakdown] [--cold-maildirs] [--b-plugins p1,p2,...] [--cpu-prof DIR] [--json] [--postfix]`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    db: 'mysql://root@127.0.0.1:3306/',
    messages: 5000,
    concurrency: [1, 20, 100],
    nodes: 0,
    size: 3000,
    lookups: 10000,
    perConnection: 100,
    repeat: 1,
    seed: { domains: 10000, mailboxes: 100000, aliases: 100000 },
    breakdown: false,
    coldMaildirs: false,
    json: false,
    postfix: false,
    warmup: 300,
  };
  const int = (name: string, v: string | undefined, min = 1) => intArg(name, v, USAGE, min);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--db': o.db = v(); break;
      case '--messages': o.messages = int(a, v()); break;
      case '--concurrency': o.concurrency = (v() ?? '').split(',').map((s) => int(a, s)); break;
      case '--nodes': o.nodes = int(a, v(), 0); break;
      case '--size': o.size = int(a, v(), 200); break;
      case '--lookups': o.lookups = int(a, v(), 0); break;
      case '--per-connection': o.perConnection = int(a, v()); break;
      case '--repeat': o.repeat = int(a, v()); break;
      case '--warmup': o.warmup = int(a, v(), 0); break;
      case '--domains': o.seed.domains = int(a, v()); break;
      case '--mailboxes': o.seed.mailboxes = int(a, v()); break;
      case '--aliases': o.seed.aliases = int(a, v(), 0); break;
      case '--breakdown': o.breakdown = true; break;
      case '--cold-maildirs': o.coldMaildirs = true; break;
      case '--b-plugins': o.bPlugins = (v() ?? '').split(',').map((x) => x.trim()).filter(Boolean); break;
      case '--cpu-prof': o.cpuProf = path.resolve(v() ?? ''); break;
      case '--json': o.json = true; break;
      case '--postfix': o.postfix = true; break;
      case '-h': case '--help': console.log(USAGE); process.exit(0);
      default: throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  if (o.db !== 'sqlite' && !isMysqlUrl(o.db)) throw new Error(`--db takes a mysql:// URL or "sqlite"\n${USAGE}`);
  if (o.postfix && o.db === 'sqlite') throw new Error('--postfix needs a MySQL database (its maps are MySQL)');
  if (o.postfix && postfixMissing()) throw new Error(`--postfix: ${postfixMissing()}`);
  if (o.seed.mailboxes < o.seed.domains) throw new Error('--mailboxes must be >= --domains');
  return o;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


// ---------------------------------------------------------------------------------------------
// recipient resolution latency, in-process, one lookup at a time

interface LatencyReport {
  n: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  byKind: Record<string, { n: number; p50: number; p99: number }>;
  /** p99 of each consecutive tenth of the lookups: a burst of someone else's CPU use shows up in a few only */
  roundP99: number[];
  unexpected: string[];
  /** machine CPU use during the lookups (2 CPUs = 200%) and the biggest other users, to judge noise */
  busyPct: number;
  others: { label: string; ms: number }[];
}

/**
 * sqlDirectory: every lookup is a database round trip (what a cache miss costs).
 * cachedDirectory: what the MTA uses; the sample is looked up once before it is timed, so this
 * is the steady state of a process whose working set fits its cache.
 */
async function measureResolution(db: Db, size: SeedSize, lookups: number, dir: Directory, warmOnSamples: boolean): Promise<LatencyReport> {
  const warm = sampleAddresses(size, Math.min(2000, lookups), prng(7));
  for (const s of warm) await resolveRecipient(dir, s.address);
  const samples = sampleAddresses(size, lookups, prng(42));
  if (warmOnSamples) for (const s of samples) await resolveRecipient(dir, s.address);
  const snap = snapshotAll();
  const busy0 = machineBusyMs();
  const wall0 = Date.now();
  const times = new Float64Array(samples.length);
  const byKind = new Map<SampleKind, number[]>();
  const unexpected: string[] = [];
  const expect: Record<SampleKind, string[]> = {
    mailbox: ['local'],
    alias: ['local'],
    subaddress: ['local'],
    domain_alias: ['local'],
    unknown: ['reject', 'local'], // local when the domain has a catch-all
    remote: ['remote'],
  };
  for (let i = 0; i < samples.length; i++) {
    const t0 = process.hrtime.bigint();
    const res = await resolveRecipient(dir, samples[i].address);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    times[i] = ms;
    const list = byKind.get(samples[i].kind) ?? [];
    list.push(ms);
    byKind.set(samples[i].kind, list);
    if (!expect[samples[i].kind].includes(res.status) && unexpected.length < 5) unexpected.push(`${samples[i].address} -> ${res.status}`);
  }
  const busyPct = (100 * (machineBusyMs() - busy0)) / (Date.now() - wall0);
  const others = topUsers(snap, snapshotAll(), new Set([process.pid, ...findPids(['mariadbd', 'mysqld'])]));
  const rounds = 10;
  const per = Math.ceil(times.length / rounds);
  const roundP99 = Array.from({ length: rounds }, (_, i) => percentile(times.subarray(i * per, (i + 1) * per), 0.99)).filter((x) => !Number.isNaN(x));
  const kinds: LatencyReport['byKind'] = {};
  for (const [k, v] of byKind) kinds[k] = { n: v.length, p50: percentile(v, 0.5), p99: percentile(v, 0.99) };
  return { n: times.length, p50: percentile(times, 0.5), p99: percentile(times, 0.99), p999: percentile(times, 0.999), max: percentile(times, 1), byKind: kinds, roundP99, unexpected, busyPct, others };
}

// ---------------------------------------------------------------------------------------------
// Haraka

interface Server {
  name: string;
  pid: number;
  plugins: string[];
  port: number;
  dataDir: string;
  log(): string;
  stop(): Promise<void>;
}

// The queue plugin of setup (f): durable Maildir write of the raw message per recipient, as
// mailhost.deliver does (tmp/, fsync, rename, fsync dir), without resolution or database.
const FLOOR_PLUGIN = `// written by bench/mta.ts for setup (f)
const { deliverToMaildir, maildirPath } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'lib', 'delivery', 'maildir.js'))})
exports.register = function () { this.register_hook('queue', 'store') }
exports.store = function (next, connection) {
  const txn = connection.transaction
  txn.message_stream.get_data({ dot_stuffed: false }, (buf) => {
    Promise.all(txn.rcpt_to.map((r) => {
      const address = (r.user + '@' + r.host).toLowerCase()
      return deliverToMaildir(maildirPath(process.env.MAILHOST_DATA, address), undefined, [Buffer.from('Delivered-To: ' + address + '\\r\\n'), buf])
    })).then(() => next(OK), (err) => { connection.logerror(this, err.message); next(DENYSOFT) })
  })
}
`;

/** Replaces the Haraka dir's link to the repository's plugins/ by a directory of links plus `extra` plugin files. */
function addPlugins(dir: string, extra: Record<string, string>): void {
  const at = path.join(dir, 'plugins');
  const repoPlugins = path.join(REPO_ROOT, 'plugins');
  fs.unlinkSync(at);
  fs.mkdirSync(at);
  for (const f of fs.readdirSync(repoPlugins)) fs.symlinkSync(path.join(repoPlugins, f), path.join(at, f));
  for (const [name, code] of Object.entries(extra)) fs.writeFileSync(path.join(at, `${name}.js`), code);
}

async function startHaraka(o: Options, tmp: string, name: string, dbUrl: string, plugins: string[] | undefined, extra: { env?: NodeJS.ProcessEnv; configFiles?: Record<string, string>; pluginFiles?: Record<string, string> }): Promise<Server> {
  const port = await freePort();
  const dir = path.join(tmp, `haraka-${name}`);
  const dataDir = path.join(tmp, `data-${name}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MAILHOST_DB: dbUrl,
    MAILHOST_DATA: dataDir,
    MAILHOST_SMTP_LISTEN: `127.0.0.1:${port}`,
    MAILHOST_SMTP_NODES: String(o.nodes),
    // nothing in this load is forwarded; should anything be, it must not leave the machine
    MAILHOST_RELAY: '127.0.0.1:9',
    // the load uses port 25 only; the fixed submission port may be taken by another instance
    MAILHOST_SUBMISSION_LISTEN: 'off',
    ...extra.env,
  };
  const settings = loadSettings(env);
  prepareHarakaDir({ dir, settings, plugins, configFiles: { 'log.ini': '[main]\nlevel=warn\ntimestamps=true\n', ...extra.configFiles } });
  if (extra.pluginFiles) addPlugins(dir, extra.pluginFiles);
  const used = fs.readFileSync(path.join(dir, 'config', 'plugins'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const { command, args } = harakaCommand(dir);
  const nodeArgs = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(o.cpuProf, name)] : [];
  const child = spawn(command, [...nodeArgs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-100000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-100000)));
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        // Haraka handles SIGINT (exit at once, via process.exit so --cpu-prof writes its profile)
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
      }
    })());
  undo.push(stop);
  await waitForBanner(port, child, () => output);
  return { name, pid: child.pid!, plugins: used, port, dataDir, log: () => output, stop };
}

/** CPU used during one run, ms: the Haraka under test, the local database server, the load generator, the whole machine. */
interface CpuUse { haraka: number; db: number; load: number; machine: number; others: { label: string; ms: number }[] }
/** deliveredMs (Postfix): from the start of the load until the last message was in its Maildir */
/** rssMb: resident memory of the server's process tree at the end of the run */
type Run = LoadResult & { cpu: CpuUse; deliveredMs?: number; rssMb: number };

async function runLoad(tmp: string, server: Server, o: Options, concurrency: number, recipients: string[], dbPids: number[]): Promise<Run> {
  const cfg: LoadConfig = {
    port: server.port,
    concurrency,
    messages: o.messages,
    recipients,
    from: 'sender@bench-sender.example',
    size: o.size,
    perConnection: o.perConnection,
    timeoutMs: 60000,
  };
  const file = path.join(tmp, `load-${server.name}-${concurrency}.json`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  const child = spawn(process.execPath, [path.join(__dirname, 'mta-load.js'), file], { stdio: ['ignore', 'pipe', 'pipe'] });
  undo.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const snap = snapshotAll();
  const before = { haraka: treeCpuMs(server.pid), db: pidsCpuMs(dbPids), machine: machineBusyMs() };
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`load generator failed (${code}): ${err.slice(-2000)}`);
  const res = JSON.parse(out) as LoadResult;
  const cpu: CpuUse = {
    haraka: treeCpuMs(server.pid) - before.haraka,
    db: pidsCpuMs(dbPids) - before.db,
    load: res.cpuMs,
    machine: machineBusyMs() - before.machine,
    others: [],
  };
  // who else used the CPU meanwhile: the kernel's fs threads (jbd2, kworker) or other people's work
  const exclude = new Set([process.pid, server.pid, child.pid!, ...dbPids]);
  const after = snapshotAll();
  for (const [pid, p] of after) if (p.label.startsWith('node') && fs.existsSync(`/proc/${pid}/stat`) && treeParent(pid) === server.pid) exclude.add(pid);
  cpu.others = topUsers(snap, after, exclude);
  return { ...res, cpu, rssMb: treeRssMb(server.pid) };
}

function treeParent(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** When the Maildirs under dataDir hold `count` files (Postfix delivers after accepting). */
async function waitDelivered(dataDir: string, count: number): Promise<number> {
  const deadline = Date.now() + 300000;
  while (countMaildirFiles(dataDir) < count) {
    if (Date.now() > deadline) throw new Error(`Postfix delivered ${countMaildirFiles(dataDir)} of ${count} within 5 minutes`);
    await sleep(20);
  }
  return Date.now();
}

function countMaildirFiles(dataDir: string): number {
  const root = path.join(dataDir, 'mail');
  let n = 0;
  if (!fs.existsSync(root)) return 0;
  for (const domain of fs.readdirSync(root)) {
    for (const local of fs.readdirSync(path.join(root, domain))) {
      const dir = path.join(root, domain, local, 'Maildir', 'new');
      if (fs.existsSync(dir)) n += fs.readdirSync(dir).length;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------

/** results: the run with the median rate of each setup; all: every repeat, in order */
interface Row { concurrency: number; results: Record<string, Run>; all: Record<string, Run[]> }

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-bench-'));
  undo.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const haraka = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'Haraka', 'package.json'), 'utf8')).version as string;

  const bdb = await createDatabase(o.db, tmp);
  log(`database: ${bdb.label}`);
  const db = openDb(bdb.url);
  let dbOpen = true;
  undo.push(async () => {
    if (dbOpen) await db.destroy();
  });
  await migrateLatest(db);
  const seeded = await seed(db, o.seed);
  log(`seeded ${Object.entries(seeded.rows).map(([t, n]) => `${n} ${t}`).join(', ')} in ${fmt(seeded.ms / 1000, 1)} s`);
  const settled = await settle(db, Object.keys(seeded.rows));
  log(`database settled in ${fmt(settled / 1000, 1)} s`);

  let resolution: LatencyReport | null = null;
  let cachedResolution: LatencyReport | null = null;
  if (o.lookups) {
    resolution = await measureResolution(db, o.seed, o.lookups, sqlDirectory(db), false);
    log(`resolution (sqlDirectory): p50 ${fmt(resolution.p50, 3)} ms, p99 ${fmt(resolution.p99, 3)} ms over ${resolution.n} lookups`);
    cachedResolution = await measureResolution(db, o.seed, o.lookups, cachedDirectory(db, { maxEntries: o.lookups * 2 }), true);
    log(`resolution (cachedDirectory, warm): p50 ${fmt(cachedResolution.p50, 3)} ms, p99 ${fmt(cachedResolution.p99, 3)} ms`);
  }
  await db.destroy();
  dbOpen = false;

  // Every run (level and repeat) gets its own random existing mailboxes, the same for every
  // setup; no mailbox is measured twice, so each run meets a directory cache that knows none of
  // its recipients (one list for all runs let every run after the first find them all cached).
  const rand = prng(1234);
  const taken = new Set<string>();
  const draw = (n: number, r: () => number): string[] => {
    const list: string[] = [];
    const mine = new Set<string>();
    while (list.length < n) {
      let a = mailboxAddress(o.seed, Math.floor(r() * o.seed.mailboxes));
      // a mailbox another list has: drawn again (a few times: a small directory runs out)
      for (let tries = 0; taken.has(a) && !mine.has(a) && tries < 50; tries++) a = mailboxAddress(o.seed, Math.floor(r() * o.seed.mailboxes));
      list.push(a);
      mine.add(a);
    }
    for (const a of mine) taken.add(a);
    return list;
  };
  const recipientLists = o.concurrency.map(() => Array.from({ length: o.repeat }, () => draw(o.messages, rand)));
  // warm-up recipients: none of the measured ones
  const warmRecipients = o.warmup ? draw(o.warmup, prng(4321)) : [];
  const measured = new Set(recipientLists.flat(2));

  const hostList: string[] = [];
  for (let d = 0; d < o.seed.domains; d++) {
    hostList.push(domainName(d));
    if (hasDomainAlias(d)) hostList.push(domainAliasName(d));
  }
  const servers: Server[] = [];
  servers.push(
    await startHaraka(o, tmp, 'a', bdb.url, ['mailhost.loopback_rdns', 'rcpt_to.in_host_list', 'queue/discard'], {
      env: { YES_REALLY_DO_DISCARD: '1' },
      configFiles: { host_list: `${hostList.join('\n')}\n` },
    }),
  );
  if (o.breakdown) {
    servers.push(await startHaraka(o, tmp, 'r', bdb.url, ['mailhost.loopback_rdns', 'mailhost.rcpt', 'queue/discard'], { env: { YES_REALLY_DO_DISCARD: '1' } }));
    servers.push(
      await startHaraka(o, tmp, 'f', bdb.url, ['mailhost.loopback_rdns', 'rcpt_to.in_host_list', 'bench_maildir_floor'], {
        configFiles: { host_list: `${hostList.join('\n')}\n` },
        pluginFiles: { bench_maildir_floor: FLOOR_PLUGIN },
      }),
    );
  }
  servers.push(await startHaraka(o, tmp, 'b', bdb.url, o.bPlugins, {}));
  const distinct = [...new Set([...measured, ...warmRecipients])];
  if (o.postfix) {
    const p = await startPostfix(path.join(tmp, 'postfix'), bdb.url, await freePort(), o.coldMaildirs ? [] : distinct);
    undo.push(p.stop);
    servers.push(p);
  }
  for (const s of servers) log(`(${s.name}) port ${s.port}: ${s.plugins.join(', ')}`);
  if (!o.coldMaildirs) {
    for (const s of servers.filter((x) => x.name === 'b' || x.name === 'f')) {
      for (const addr of distinct) for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(maildirPath(s.dataDir, addr), sub), { recursive: true, mode: 0o700 });
    }
  }

  // CPU of the database server, when it runs on this machine (MariaDB/MySQL on 127.0.0.1)
  const dbPids = o.db === 'sqlite' ? [] : findPids(['mariadbd', 'mysqld']);
  const warmedOk: Record<string, number> = {};
  if (warmRecipients.length) {
    for (const s of servers) {
      const before = s.name === 'p' ? countMaildirFiles(s.dataDir) : 0;
      const w = await runLoad(tmp, s, { ...o, messages: warmRecipients.length }, 20, warmRecipients, dbPids);
      if (s.name === 'p') await waitDelivered(s.dataDir, before + w.ok);
      warmedOk[s.name] = w.ok;
      log(`  warm-up (${s.name}): ${warmRecipients.length} messages, ${w.ok} ok, ${w.failed} failed`);
    }
  }
  const rows: Row[] = [];
  const rateOf = (r: Run) => r.ok / (r.elapsedMs / 1000);
  for (const [level, c] of o.concurrency.entries()) {
    const row: Row = { concurrency: c, results: {}, all: {} };
    // setups alternate within each repeat, so a burst of someone else's load hits both alike
    for (let rep = 0; rep < o.repeat; rep++) {
      for (const s of servers) {
        await sleep(1000); // let the previous run's writes settle
        const before = s.name === 'p' ? countMaildirFiles(s.dataDir) : 0;
        const startedAt = Date.now();
        const r = await runLoad(tmp, s, o, c, recipientLists[level][rep], dbPids);
        if (s.name === 'p') r.deliveredMs = (await waitDelivered(s.dataDir, before + r.ok)) - startedAt;
        (row.all[s.name] ??= []).push(r);
        log(`  c=${c} (${s.name}): ${fmt(rateOf(r), 1)} msgs/s, ${r.ok} ok, ${r.failed} failed${r.failed ? ` ${JSON.stringify(r.failures).slice(0, 300)}` : ''}`);
      }
    }
    for (const [name, runs] of Object.entries(row.all)) row.results[name] = [...runs].sort((x, y) => rateOf(x) - rateOf(y))[Math.floor((runs.length - 1) / 2)];
    rows.push(row);
  }
  const b = servers.find((s) => s.name === 'b')!;
  const delivered = countMaildirFiles(b.dataDir);
  const sentToB = rows.reduce((n, r) => n + r.all.b.reduce((m, x) => m + x.ok, 0), 0) + (warmedOk.b ?? 0);
  for (const s of servers) await s.stop();
  const warnings = servers
    .map((s) => {
      const lines = s.log().split('\n').filter((l) => (s.name === 'p' ? /\b(warning|error|fatal|panic):/ : /\b(ERROR|CRIT|EMERG|ALERT)\b/).test(l) && !/tls (key|cert) .* could not be loaded/.test(l));
      const distinctLines = [...new Set(lines.map((l) => l.replace(/^\S+ /, '').slice(0, 240)))];
      return [s.name, lines.length, distinctLines.slice(0, 3)] as const;
    })
    .filter(([, n]) => n > 0);

  // ------------------------------------------------------------------------- report
  const rate = (r: Run) => r.ok / (r.elapsedMs / 1000);
  const out: string[] = [];
  out.push('');
  out.push(`mailhost MTA bench — ${new Date().toISOString()}, load average ${os.loadavg().map((x) => fmt(x, 1)).join(' ')} at the end, ${os.cpus().length} CPUs, node ${process.version}, Haraka ${haraka}, nodes=${o.nodes} in every setup`);
  out.push(`database: ${bdb.label}`);
  out.push(`seed: ${Object.entries(seeded.rows).map(([t, n]) => `${n} ${t}`).join(', ')} (aliases include one postmaster per domain) in ${fmt(seeded.ms / 1000, 1)} s`);
  if (resolution) {
    out.push('');
    out.push(`recipient resolution (resolveRecipient + sqlDirectory, in-process, sequential, ${resolution.n} addresses; every lookup a database round trip):`);
    out.push(`  all          p50 ${fmt(resolution.p50, 3)} ms   p99 ${fmt(resolution.p99, 3)} ms   p99.9 ${fmt(resolution.p999, 3)} ms   max ${fmt(resolution.max, 3)} ms`);
    for (const [k, v] of Object.entries(resolution.byKind)) out.push(`  ${k.padEnd(12)} p50 ${fmt(v.p50, 3)} ms   p99 ${fmt(v.p99, 3)} ms   (n=${v.n})`);
    const sortedRounds = [...resolution.roundP99].sort((x, y) => x - y);
    out.push(`  p99 of each tenth, in order: ${resolution.roundP99.map((x) => fmt(x, 2)).join(' ')} ms (median ${fmt(sortedRounds[Math.floor((sortedRounds.length - 1) / 2)], 2)}, best ${fmt(sortedRounds[0], 2)})`);
    out.push(`  machine CPU use meanwhile ${fmt(resolution.busyPct, 0)}% of one CPU (${os.cpus().length} CPUs); biggest other users: ${resolution.others.map((u) => `${u.label} ${fmt(u.ms / 1000, 1)} s`).join(', ') || '-'}`);
    if (resolution.unexpected.length) out.push(`  UNEXPECTED outcomes: ${resolution.unexpected.join('; ')}`);
  }
  if (cachedResolution) {
    out.push(`recipient resolution through cachedDirectory (what the MTA uses), the same addresses already looked up once:`);
    out.push(`  all          p50 ${fmt(cachedResolution.p50, 3)} ms   p99 ${fmt(cachedResolution.p99, 3)} ms   p99.9 ${fmt(cachedResolution.p999, 3)} ms   max ${fmt(cachedResolution.max, 3)} ms`);
    if (cachedResolution.unexpected.length) out.push(`  UNEXPECTED outcomes: ${cachedResolution.unexpected.join('; ')}`);
  }
  out.push('');
  out.push(`SMTP load: ${o.messages} messages of ~${o.size} B per level, 1 recipient each (random existing mailboxes, a new set for every level and repeat, the same for every setup: ${measured.size} in all; after a warm-up of ${warmRecipients.length} messages to others, Maildirs ${o.coldMaildirs ? 'created at first delivery' : 'created before the load'}), from a separate node process,`);
  out.push(`  persistent connections (${o.perConnection} messages each, then reconnect), one command at a time`);
  for (const s of servers) out.push(`  (${s.name}) ${s.plugins.join(', ')}`);
  out.push('');
  const names = servers.map((s) => s.name);
  const delivRate = (r: Run) => r.ok / ((r.deliveredMs ?? r.elapsedMs) / 1000);
  const pf = o.postfix;
  const head = ['conc', ...names.map((n) => `${n} msgs/s`), ...(pf ? ['p delivered/s', 'b/p acc', 'b/p dlv', 'b/f'] : []), 'b/a', ...(o.breakdown ? ['r/a', 'f/a'] : []), ...names.map((n) => `${n} rcpt p50/p99 ms`), 'b msg p50/p99 ms', 'failed'];
  const table: string[][] = [head];
  for (const r of rows) {
    const a = rate(r.results.a);
    table.push([
      String(r.concurrency),
      ...names.map((n) => fmt(rate(r.results[n]), 1)),
      ...(pf ? [fmt(delivRate(r.results.p), 1), fmt(rate(r.results.b) / rate(r.results.p), 3), fmt(rate(r.results.b) / delivRate(r.results.p), 3), r.results.f ? fmt(rate(r.results.b) / rate(r.results.f), 3) : '-'] : []),
      fmt(rate(r.results.b) / a, 3),
      ...(o.breakdown ? [fmt(rate(r.results.r) / a, 3), fmt(rate(r.results.f) / a, 3)] : []),
      ...names.map((n) => `${fmt(r.results[n].rcptMs.p50, 2)}/${fmt(r.results[n].rcptMs.p99, 2)}`),
      `${fmt(r.results.b.messageMs.p50, 2)}/${fmt(r.results.b.messageMs.p99, 2)}`,
      names.map((n) => r.results[n].failed).join('/'),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...table.map((t) => t[i].length)));
  for (const t of table) out.push(`  ${t.map((c, i) => c.padStart(widths[i])).join('  ')}`);
  out.push('');
  out.push(`where the time goes, per message accepted: wall ms (elapsed / messages) and CPU ms of Haraka, the database server${o.db === 'sqlite' ? ' (in Haraka with SQLite)' : ''},`);
  out.push(`  the load generator, and everything else on the machine (other people's processes, also those that ended during the run, and the kernel);`);
  out.push(`  busy = machine CPU use during the run (${os.cpus().length} CPUs = 100%); the last column names the biggest other processes alive at the end of the run`);
  const cpuHead = ['conc', 'setup', 'wall', 'haraka', 'db', 'loadgen', 'other', 'busy', 'RSS MB', 'biggest others (CPU ms/msg)'];
  const cpuTable: string[][] = [cpuHead];
  for (const r of rows) {
    for (const n of names) {
      const x = r.results[n];
      const per = (v: number) => fmt(v / x.ok, 3);
      const other = x.cpu.machine - x.cpu.haraka - (Number.isNaN(x.cpu.db) ? 0 : x.cpu.db) - x.cpu.load;
      cpuTable.push([String(r.concurrency), n, per(x.elapsedMs), per(x.cpu.haraka), per(x.cpu.db), per(x.cpu.load), per(other), `${fmt((100 * x.cpu.machine) / (x.elapsedMs * os.cpus().length), 0)}%`, fmt(x.rssMb, 0), x.cpu.others.map((u) => `${u.label} ${per(u.ms)}`).join(', ')]);
    }
  }
  const cw = cpuHead.map((_, i) => Math.max(...cpuTable.map((t) => t[i].length)));
  for (const t of cpuTable) out.push(`  ${t.map((c, i) => (i === t.length - 1 ? c : c.padStart(cw[i]))).join('  ')}`);
  out.push('');
  out.push(`(b) Maildir files written: ${delivered} for ${sentToB} messages accepted${delivered === sentToB ? '' : '  <-- MISMATCH'}`);
  for (const [n, count, lines] of warnings) out.push(`(${n}) ${count} error lines in its log, e.g.: ${lines.join(' | ')}`);
  if (o.repeat > 1) {
    out.push(`each level ran ${o.repeat} times per setup (alternating); figures above are the median run (of an even count, the slower middle one); all rates, msgs/s:`);
    for (const r of rows) out.push(`  concurrency ${r.concurrency}:  ${names.map((n) => `${n}: ${r.all[n].map((x) => fmt(rate(x), 0)).join(' ')}`).join('   ')}${pf ? `   p delivered: ${r.all.p.map((x) => fmt(delivRate(x), 0)).join(' ')}` : ''}`);
  }
  for (const r of rows) {
    for (const n of names) if (r.results[n].failed) out.push(`(${n}) c=${r.concurrency} failures: ${Object.entries(r.results[n].failures).map(([k, v]) => `${v} x ${k.slice(0, 160)}`).join('; ')}`);
  }
  // the goals of issue 14, checked on this run's medians
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  for (const r of rows.filter((x) => x.concurrency === 20 || x.concurrency === 100)) {
    const b = rate(r.results.b);
    if (r.results.f) out.push(`target b/f >= 0.8 at concurrency ${r.concurrency}: ${fmt(b / rate(r.results.f), 3)} ${verdict(b / rate(r.results.f) >= 0.8)}`);
    if (r.results.p) out.push(`target b/Postfix delivered >= 2 at concurrency ${r.concurrency}: ${fmt(b / delivRate(r.results.p), 3)} ${verdict(b / delivRate(r.results.p) >= 2)}`);
    const rcpt = r.results.b.rcptMs.p99 / r.results.a.rcptMs.p99;
    out.push(`target RCPT p99 of (b) within 1.5x of (a)'s at concurrency ${r.concurrency}: ${fmt(r.results.b.rcptMs.p99, 2)} / ${fmt(r.results.a.rcptMs.p99, 2)} ms = ${fmt(rcpt, 2)}x ${verdict(rcpt <= 1.5)}`);
  }
  const rss = Math.max(...rows.flatMap((r) => r.all.b.map((x) => x.rssMb)));
  out.push(`target Haraka RSS < 300 MB in (b): largest ${fmt(rss, 0)} MB ${verdict(rss < 300)}`);
  const mysqlNote = o.db === 'sqlite' ? ' (the target is for MariaDB; this run is SQLite)' : '';
  if (cachedResolution) out.push(`target resolution p99 < 1 ms${mysqlNote}: cached ${fmt(cachedResolution.p99, 3)} ms ${verdict(cachedResolution.p99 < 1)}; every lookup from the database ${fmt(resolution!.p99, 3)} ms ${verdict(resolution!.p99 < 1)}`);
  out.push(`total bench time ${fmt((Date.now() - started) / 1000, 0)} s${o.cpuProf ? `; CPU profiles in ${o.cpuProf}/<setup>/` : ''}`);
  console.log(out.join('\n'));
  if (o.json) {
    console.log(JSON.stringify({ db: bdb.label, nodes: o.nodes, seed: seeded, resolution, cachedResolution, rows: rows.map((r) => ({ concurrency: r.concurrency, rates: Object.fromEntries(names.map((n) => [n, rate(r.results[n])])), runs: r.all })) }));
  }
}

main()
  .then(cleanup, async (err: Error) => {
    const text = err.stack ?? String(err);
    console.error(text.length > 3000 ? `${text.slice(0, 1500)}\n...\n${text.slice(-1500)}` : text);
    await cleanup();
    process.exitCode = 1;
  })
  .then(() => process.exit());
