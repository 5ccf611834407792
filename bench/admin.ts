// Admin benchmark (`npm run bench:admin`): seeds a throwaway database (an admin, a client owning
// one big domain, many domains, mailboxes and aliases), starts the admin in its own process
// (bench/admin-server.ts) on 127.0.0.1, logs in as the admin and as the client (one session per
// simulated user), then drives the list pages (domains, mailboxes, aliases; the first page, a
// search, a deep page typed as ?page=N, and the "next" link of that deep page) with N
// concurrent users each, for a bounded time and request count per page, and prints p50/p95/p99
// latency and req/s per page, with the CPU the server, the database and the whole machine used
// (CPU per request is the figure to compare when other work shares the machine).
//
//   node dist/bench/admin.js [--db mysql://root@127.0.0.1:3306/ | --db sqlite] [--clients 1,50]
//        [--domains 10000] [--mailboxes 100000] [--big 5000] [--aliases 100000]
//        [--seconds 5] [--requests 3000] [--pages name,name...] [--cpu-prof DIR] [--json]
//
// The database defaults to MAILHOST_BENCH_DB, else the local MariaDB. With a MySQL URL a database
// named mailhost_abench_<pid>_<hex> is created on that server and dropped at the end (the URL's own
// database, if any, is not touched); SQLite goes to a temp dir removed at the end, also on Ctrl-C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { parseArgs as parseCommandLine } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { openDb, migrateLatest, isMysqlUrl } from '../lib/core';
import { undo, cleanup, createDatabase, settle, intArg } from './harness';
import { seedAdmin, domainName, ADMIN_LOGIN, CLIENT_LOGIN, BENCH_PASSWORD, type AdminSeedSize } from './admin-seed';
import { percentile } from './mta-load';
import { treeCpuMs, findPids, pidsCpuMs, machineBusyMs } from './mta-cpu';

interface Options {
  db: string;
  clients: number[];
  size: AdminSeedSize;
  seconds: number;
  requests: number;
  pages?: string[];
  cpuProf?: string;
  json: boolean;
}

const USAGE = `usage: node dist/bench/admin.js [--db URL|sqlite] [--clients 1,50] [--domains N] [--mailboxes N]
  [--big N] [--aliases N] [--seconds S] [--requests N] [--pages name,...] [--cpu-prof DIR] [--json]`;

function parseArgs(argv: string[]): Options {
  const { values: v } = parseCommandLine({
    args: argv,
    options: {
      db: { type: 'string', default: process.env.MAILHOST_BENCH_DB || 'mysql://root@127.0.0.1:3306/' },
      clients: { type: 'string', default: '1,50' },
      domains: { type: 'string', default: '10000' },
      mailboxes: { type: 'string', default: '100000' },
      big: { type: 'string', default: '5000' },
      aliases: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '5' },
      requests: { type: 'string', default: '3000' },
      pages: { type: 'string' },
      'cpu-prof': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, min = 1) => intArg(`--${name}`, v[name as keyof typeof v] as string, USAGE, min);
  const o: Options = {
    db: v.db,
    clients: v.clients.split(',').map((x) => intArg('--clients', x, USAGE)),
    size: { domains: int('domains', 2), mailboxes: int('mailboxes'), big: int('big', 0), aliases: int('aliases', 0) },
    seconds: int('seconds'),
    requests: int('requests'),
    pages: v.pages?.split(',').filter(Boolean),
    cpuProf: v['cpu-prof'] ? path.resolve(v['cpu-prof']) : undefined,
    json: v.json,
  };
  if (o.db !== 'sqlite' && !isMysqlUrl(o.db)) throw new Error(`--db takes a mysql:// URL or "sqlite"\n${USAGE}`);
  return o;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

// ---------------------------------------------------------------------------------------------
// the admin under test

async function startServer(o: Options, url: string, tmp: string): Promise<{ port: number; child: ChildProcess }> {
  const args = [...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`] : []), path.join(__dirname, 'admin-server.js'), url, path.join(tmp, 'data')];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  undo.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`admin server exited (${code})`)));
  });
  return { port, child };
}

// ---------------------------------------------------------------------------------------------
// HTTP with a session cookie

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(agent: http.Agent, port: number, method: string, url: string, cookie: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { cookie, 'accept-language': 'en' };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const sessionCookie = (r: Reply, previous: string): string => {
  const set = (r.headers['set-cookie'] ?? []).find((c) => c.startsWith('mailhost.sid='));
  return set ? set.split(';')[0] : previous;
};

/** Logs in through the login form (CSRF token, bcrypt check, new session); returns the cookie. */
async function login(agent: http.Agent, port: number, username: string): Promise<string> {
  const form = await request(agent, port, 'GET', '/login', '');
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (!token) throw new Error('no CSRF token on /login');
  const cookie = sessionCookie(form, '');
  const body = new URLSearchParams({ username, password: BENCH_PASSWORD, _csrf: token }).toString();
  const r = await request(agent, port, 'POST', '/login', cookie, body);
  if (r.status !== 303 || r.headers.location !== '/') throw new Error(`login of ${username} answered ${r.status} ${r.headers.location ?? ''}`);
  return sessionCookie(r, cookie);
}

// ---------------------------------------------------------------------------------------------
// the pages

type Who = 'admin' | 'client';
interface Page {
  name: string;
  who: Who;
  /** a fixed URL, or the rel="next" link found on another page's URL */
  url?: string;
  nextOf?: string;
}

const pagesOf = (rows: number) => Math.max(1, Math.ceil(rows / 15));

function benchPages(s: AdminSeedSize): Page[] {
  const forwards = s.aliases > 3 ? Math.floor((s.aliases - 4) / 20) + 1 : 0;
  const aliasRows = s.domains + s.aliases - forwards; // the aliases page lists aliases and postmasters
  const mid = (rows: number) => Math.max(1, Math.floor(pagesOf(rows) / 2));
  const probe = Math.min(17, s.domains - 1);
  return [
    { name: 'domains', who: 'admin', url: '/domains' },
    { name: 'domains?search', who: 'admin', url: `/domains?q_name=${encodeURIComponent(`d${probe}2`)}` },
    { name: 'domains?deep', who: 'admin', url: `/domains?page=${mid(s.domains)}` },
    { name: 'domains?deep-next', who: 'admin', nextOf: `/domains?page=${mid(s.domains)}` },
    { name: 'mailboxes', who: 'admin', url: '/mailboxes' },
    { name: 'mailboxes?search', who: 'admin', url: `/mailboxes?q_address=${encodeURIComponent(`user0@${domainName(probe).split('.')[0]}.`)}` },
    { name: 'mailboxes?deep', who: 'admin', url: `/mailboxes?page=${mid(s.mailboxes)}` },
    { name: 'mailboxes?deep-next', who: 'admin', nextOf: `/mailboxes?page=${mid(s.mailboxes)}` },
    { name: 'aliases', who: 'admin', url: '/aliases' },
    { name: 'aliases?search', who: 'admin', url: `/aliases?q_address=${encodeURIComponent(`alias0@${domainName(probe).split('.')[0]}.`)}` },
    { name: 'aliases?deep', who: 'admin', url: `/aliases?page=${mid(aliasRows)}` },
    { name: 'aliases?deep-next', who: 'admin', nextOf: `/aliases?page=${mid(aliasRows)}` },
    { name: 'client:mailboxes', who: 'client', url: '/mailboxes' },
    { name: 'client:mailboxes?search', who: 'client', url: `/mailboxes?q_address=${encodeURIComponent(`user${Math.floor(s.big * 0.87)}@`)}` },
    { name: 'client:mailboxes?deep', who: 'client', url: `/mailboxes?page=${mid(s.big)}` },
    { name: 'client:mailboxes?deep-next', who: 'client', nextOf: `/mailboxes?page=${mid(s.big)}` },
  ];
}

const decode = (href: string) => href.replace(/&amp;/g, '&');

interface Result {
  page: string;
  url: string;
  clients: number;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** CPU of the admin process, the database server and the whole machine, in % of one core */
  serverCpu: number;
  dbCpu: number;
  machineCpu: number;
  /** CPU per answered request of the admin process and of the database server, ms (less sensitive to a busy machine than latency) */
  serverCpuPerReq: number;
  dbCpuPerReq: number;
}

/** `clients` users (one session each) request `url` in a loop until the time or request budget is spent. */
async function drive(o: Options, port: number, server: ChildProcess, page: string, url: string, cookies: string[], clients: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const ok = (r: Reply) => r.status === 200 && r.body.includes('list-table');
  // warm-up: a few requests outside the measurement
  for (let i = 0; i < Math.min(3, clients + 2); i++) await request(agent, port, 'GET', url, cookies[0]);
  // the database server's CPU (shared with whatever else uses it); SQLite runs inside the admin
  const dbPids = o.db === 'sqlite' ? [] : findPids(['mariadbd', 'mysqld']);
  const cpu0 = { server: treeCpuMs(server.pid!), db: pidsCpuMs(dbPids), machine: machineBusyMs() };
  const lat: number[] = [];
  let errors = 0;
  let issued = 0;
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (issued < o.requests && performance.now() < deadline) {
        issued++;
        const s = performance.now();
        try {
          const r = await request(agent, port, 'GET', url, cookies[c]);
          if (ok(r)) lat.push(performance.now() - s);
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const wall = seconds * 1000;
  const used = { server: treeCpuMs(server.pid!) - cpu0.server, db: pidsCpuMs(dbPids) - cpu0.db };
  agent.destroy();
  return {
    page,
    url,
    clients,
    requests: lat.length,
    errors,
    seconds,
    rps: lat.length / seconds,
    p50: percentile(lat, 0.5),
    p95: percentile(lat, 0.95),
    p99: percentile(lat, 0.99),
    serverCpu: (used.server / wall) * 100,
    dbCpu: (used.db / wall) * 100,
    machineCpu: ((machineBusyMs() - cpu0.machine) / wall) * 100,
    serverCpuPerReq: used.server / Math.max(1, lat.length + errors),
    dbCpuPerReq: used.db / Math.max(1, lat.length + errors),
  };
}

function printTable(results: Result[]): void {
  const head = ['page', 'users', 'reqs', 'err', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'admin cpu ms/req', 'db cpu ms/req', 'admin%', 'db%', 'machine%'];
  const pct = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
  const rows = results.map((r) => [r.page, String(r.clients), String(r.requests), String(r.errors), r.rps.toFixed(1), ms(r.p50), ms(r.p95), ms(r.p99), ms(r.serverCpuPerReq), ms(r.dbCpuPerReq), pct(r.serverCpu), pct(r.dbCpu), pct(r.machineCpu)]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-abench-'));
  undo.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const { url, label } = await createDatabase(o.db, tmp, 'mailhost_abench');
  const db = openDb(url);
  undo.push(() => db.destroy());
  log(`database: ${label}`);
  await migrateLatest(db);
  log(`seeding ${o.size.domains} domains, ${o.size.mailboxes} mailboxes (${o.size.big} in the client's domain), ${o.size.aliases} aliases...`);
  const seeded = await seedAdmin(db, o.size);
  await settle(db, Object.keys(seeded.rows));
  log(`seeded in ${(seeded.ms / 1000).toFixed(1)} s: ${JSON.stringify(seeded.rows)}`);
  const { port, child } = await startServer(o, url, tmp);
  log(`admin on 127.0.0.1:${port} (pid ${child.pid}); logging in ${Math.max(...o.clients)} admin and client sessions...`);
  const loginAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const users = Math.max(...o.clients);
  const cookies: Record<Who, string[]> = { admin: [], client: [] };
  const loginMs: number[] = [];
  for (const who of ['admin', 'client'] as const) {
    for (let i = 0; i < users; i += 4) {
      await Promise.all(
        Array.from({ length: Math.min(4, users - i) }, async () => {
          const s = performance.now();
          cookies[who].push(await login(loginAgent, port, who === 'admin' ? ADMIN_LOGIN : CLIENT_LOGIN));
          loginMs.push(performance.now() - s);
        }),
      );
    }
  }
  loginAgent.destroy();
  log(`logins: ${loginMs.length}, p50 ${ms(percentile(loginMs, 0.5))} ms (4 at a time)`);
  const load0 = os.loadavg();
  const results: Result[] = [];
  const pages = benchPages(o.size).filter((p) => !o.pages || o.pages.includes(p.name));
  for (const p of pages) {
    if (child.exitCode !== null || child.signalCode !== null) {
      log(`the admin server exited (${child.exitCode ?? child.signalCode}): the remaining pages are not measured`);
      break;
    }
    let target = p.url!;
    if (p.nextOf) {
      const r = await request(new http.Agent(), port, 'GET', p.nextOf, cookies[p.who][0]).catch((err: Error) => ({ status: 0, body: err.message }));
      const href = /<a class="page-link" rel="next" href="([^"]+)"/.exec(r.body)?.[1];
      if (!href) {
        log(`${p.name}: no next link on ${p.nextOf} (${r.status})`);
        continue;
      }
      target = decode(href);
    }
    for (const c of o.clients) {
      const r = await drive(o, port, child, p.name, target, cookies[p.who], c);
      results.push(r);
      log(`${p.name.padEnd(28)} ${String(c).padStart(3)} users: ${r.rps.toFixed(1)} req/s, p50 ${ms(r.p50)} p95 ${ms(r.p95)} p99 ${ms(r.p99)} ms${r.errors ? `, ${r.errors} errors` : ''}  (${target})`);
    }
  }
  const load1 = os.loadavg();
  if (o.json) console.log(JSON.stringify({ size: o.size, db: o.db === 'sqlite' ? 'sqlite' : 'mariadb', loadavg: { before: load0, after: load1 }, results }));
  else {
    console.log(`\nadmin list pages: ${o.db === 'sqlite' ? 'SQLite' : 'MariaDB'}, ${o.size.domains} domains, ${o.size.mailboxes} mailboxes (${o.size.big} in the client's domain), ${o.size.aliases} aliases; ${o.seconds} s or ${o.requests} requests per row`);
    console.log(`machine: ${os.cpus().length} cores, load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after`);
    printTable(results);
  }
}

main()
  .catch((err) => {
    console.error(String(err instanceof Error ? err.message : err).slice(0, 2000)); // a failed bulk insert quotes every row
    process.exitCode = 1;
  })
  .finally(() => cleanup());
