// The database goes away under a logged-in admin: every page is a 503 "temporarily unavailable"
// (with Retry-After, in the visitor's language), the admin process stays up, and the same
// session works again once the database is back. The outage is real: the admin process talks to
// MariaDB through a loopback TCP forwarder that the test cuts (connections reset, new ones
// refused) and restores; the shared MariaDB server itself keeps running for everyone else.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import request from 'supertest';
import { openDb } from '../../lib/core';
import { freePort } from '../../lib/haraka';
import { csrfFrom } from './helpers';
import { waitFor, listening, spawnNode, killTree, type Spawned } from '../helpers/processes';

const ADMIN_MAIN = path.join(__dirname, '..', '..', 'admin', 'main.js');

/**
 * A TCP forwarder 127.0.0.1:port -> target that the test can cut (connections reset, new ones
 * refused: a stopped server), hang (connections accepted, never answered: a network partition,
 * which the pool meets as connect and acquire timeouts) and restore, always on the same port.
 */
class Outage {
  private server?: net.Server;
  private hanging = false;
  private readonly sockets = new Set<net.Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}
  private track(s: net.Socket, partner?: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => (s.destroy(), partner?.destroy()));
  }
  private resetAll(): void {
    for (const s of this.sockets) s.resetAndDestroy();
  }
  async restore(): Promise<void> {
    this.hanging = false;
    if (this.server) return;
    this.server = net.createServer((client) => {
      if (this.hanging) return this.track(client);
      const upstream = net.connect(this.target.port, this.target.host);
      this.track(client, upstream);
      this.track(upstream, client);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }
  hang(): void {
    this.hanging = true;
    this.resetAll();
  }
  cut(): Promise<void> {
    this.resetAll();
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

/** A supertest agent on a running admin, logged in as the first admin. */
async function loggedIn(base: string): Promise<ReturnType<typeof request.agent>> {
  const agent = request.agent(base);
  const token = csrfFrom((await agent.get('/login')).text);
  const r = await agent.post('/login').type('form').send({ username: 'admin', password: 'Secret-pass-42', _csrf: token });
  assert.equal(r.status, 303, 'login');
  return agent;
}

(process.env.TEST_MYSQL_URL ? describe : describe.skip)('admin: the database goes away under a logged-in admin (MariaDB)', function () {
  this.timeout(120_000);
  let outage: Outage;
  let admin: Spawned;
  let dir: string;
  let dbName: string;
  let base: string;

  before(async () => {
    const url = new URL(process.env.TEST_MYSQL_URL!);
    dbName = `mh_outage_${crypto.randomBytes(4).toString('hex')}`;
    const root = openDb(url.toString());
    await root.raw(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await root.destroy();
    outage = new Outage(await freePort(), { host: url.hostname, port: Number(url.port || 3306) });
    await outage.restore();
    url.hostname = '127.0.0.1';
    url.port = String(outage.port);
    url.pathname = `/${dbName}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-outage-'));
    const http = await freePort();
    base = `http://127.0.0.1:${http}`;
    const env = { ...process.env, MAILHOST_DB: url.toString(), MAILHOST_DATA: dir, MAILHOST_HTTP_LISTEN: `127.0.0.1:${http}`, MAILHOST_ADMIN_PASSWORD: 'Secret-pass-42' };
    admin = spawnNode(ADMIN_MAIN, env);
    await waitFor('the admin to listen', async () => {
      if (admin.child.exitCode !== null) throw new Error(`admin exited:\n${admin.output()}`);
      return listening(http);
    });
  });

  after(async () => {
    killTree(admin?.child.pid);
    await outage?.cut();
    const root = openDb(process.env.TEST_MYSQL_URL!);
    await root.raw(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await root.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 "temporarily unavailable" while the database is down, stays up, and serves the same session when it is back', async () => {
    const agent = await loggedIn(base);
    assert.equal((await agent.get('/domains')).status, 200);

    await outage.cut();
    for (const page of ['/', '/domains', '/mailboxes', '/domains']) {
      const r = await agent.get(page);
      assert.equal(r.status, 503, `${page}: ${r.status}`);
      assert.match(r.headers['content-type'], /text\/html/);
      assert.match(r.text, /Temporarily unavailable/);
      assert.equal(r.headers['retry-after'], '30');
    }
    const fr = await agent.get('/domains').set('Accept-Language', 'fr');
    assert.equal(fr.status, 503);
    assert.match(fr.text, /Temporairement indisponible/);
    assert.equal(admin.child.exitCode, null, `the admin died:\n${admin.output()}`);

    await outage.restore();
    await waitFor('the admin to serve again', async () => (await agent.get('/domains')).status === 200);
    const page = await agent.get('/domains');
    assert.match(page.text, /\/domains\/new/); // a real list page of the same, still logged-in session
    assert.equal(admin.child.exitCode, null);
  });

  it('a database that stops answering (partition: connect and pool timeouts) is a 503 too, and the admin recovers', async () => {
    const agent = await loggedIn(base);
    assert.equal((await agent.get('/domains')).status, 200);

    outage.hang();
    for (const page of ['/domains', '/mailboxes']) {
      const r = await agent.get(page);
      assert.equal(r.status, 503, `${page}: ${r.status}`);
      assert.match(r.text, /Temporarily unavailable/);
    }
    assert.equal(admin.child.exitCode, null, `the admin died:\n${admin.output()}`);

    await outage.restore();
    await waitFor('the admin to serve again', async () => (await agent.get('/domains')).status === 200);
    assert.equal(admin.child.exitCode, null);
  });
});

describe('admin: SQLite write-locked by another process under a logged-in admin', function () {
  this.timeout(120_000);
  let admin: Spawned | undefined;
  let dir: string;

  after(() => {
    killTree(admin?.child.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pages still render (reads work under WAL), the session write that fails is logged, and the process stays up', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-outage-'));
    const file = path.join(dir, 'mailhost.sqlite');
    const http = await freePort();
    const base = `http://127.0.0.1:${http}`;
    admin = spawnNode(ADMIN_MAIN, { ...process.env, MAILHOST_DB: `sqlite://${file}`, MAILHOST_DATA: dir, MAILHOST_HTTP_LISTEN: `127.0.0.1:${http}`, MAILHOST_ADMIN_PASSWORD: 'Secret-pass-42' });
    await waitFor('the admin to listen', async () => {
      if (admin!.child.exitCode !== null) throw new Error(`admin exited:\n${admin!.output()}`);
      return listening(http);
    });
    const agent = await loggedIn(base);

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3');
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE'); // a long write elsewhere (a backup, a big import) holds the lock
      other.exec('UPDATE domains SET active = active');
      // the page is read and sent; refreshing the session's expiry (a write) fails SQLITE_BUSY:
      // connect-session-knex's touch() rejected then without calling back (a crash and a hung response)
      const r = await agent.get('/domains');
      assert.equal(r.status, 200);
      assert.match(r.text, /\/domains\/new/);
      assert.equal(admin.child.exitCode, null, `the admin died:\n${admin.output()}`);
      await waitFor('the failed session write to be logged', () => /SQLITE_BUSY database is locked/.test(admin!.output()));
      assert.doesNotMatch(admin.output(), /insert or replace into sessions/, 'the session row went to the log');
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
    assert.equal((await agent.get('/domains')).status, 200);
    assert.equal(admin.child.exitCode, null);
  });
});

describe('admin: process-level fault policy (admin/resilience.ts)', function () {
  this.timeout(30_000);
  const RESILIENCE = path.join(__dirname, '..', '..', 'admin', 'resilience.js');

  /** Runs a node process that installs the guards, then lets `fault` escape; its exit code and output. */
  async function escape(fault: string): Promise<{ code: number | null; out: string }> {
    const script = `require(${JSON.stringify(RESILIENCE)}).installProcessGuards();
      ${fault};
      setTimeout(() => { console.log('still serving'); process.exit(0); }, 50);`;
    const s = spawnNodeCode(script);
    return { code: await s.exited, out: s.output() };
  }
  function spawnNodeCode(code: string): Spawned {
    const dirOf = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-guard-'));
    const file = path.join(dirOf, 'guard.js');
    fs.writeFileSync(file, code);
    const s = spawnNode(file, process.env);
    void s.exited.then(() => fs.rmSync(dirOf, { recursive: true, force: true }));
    return s;
  }

  it('a database fault escaping a library (rejection or exception) is logged and the process keeps serving', async () => {
    for (const fault of [
      `Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }))`,
      `Promise.reject(Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }))`,
      `setImmediate(() => { throw Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }); })`,
    ]) {
      const r = await escape(fault);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /from a database fault, still serving/);
      assert.match(r.out, /still serving\n/);
    }
  });

  it('any other escaped fault is a bug: logged, and the process exits non-zero for its supervisor to restart', async () => {
    for (const fault of [`Promise.reject(new TypeError('x is not a function'))`, `setImmediate(() => { throw new RangeError('bad'); })`]) {
      const r = await escape(fault);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /exiting/);
      assert.doesNotMatch(r.out, /still serving\n/);
    }
  });
});
