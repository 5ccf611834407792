// `npm start` as an operator runs it: the launcher must never leave a child behind (whichever
// process dies, even the launcher under SIGKILL), and a second start on the same data dir or
// ports must fail clearly without touching the first.
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { freePorts } from '../../lib/haraka';
import { waitFor, alive, descendants, processesMentioning, listening, firstLine, spawnNode, killTree, type Spawned } from '../helpers/processes';

const START = path.join(__dirname, '..', '..', 'bin', 'start.js');

interface Instance {
  dataDir: string;
  smtp: number;
  http: number;
  env: NodeJS.ProcessEnv;
}

async function instance(nodes = 0): Promise<Instance> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-start-'));
  const [smtp, http, submission] = await freePorts(3);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MAILHOST_DATA: dataDir,
    MAILHOST_DB: `sqlite://${path.join(dataDir, 'mailhost.sqlite')}`,
    MAILHOST_SMTP_LISTEN: `127.0.0.1:${smtp}`,
    MAILHOST_HTTP_LISTEN: `127.0.0.1:${http}`,
    MAILHOST_SUBMISSION_LISTEN: `127.0.0.1:${submission}`,
    MAILHOST_SMTP_NODES: String(nodes),
    MAILHOST_ADMIN_PASSWORD: 'Secret-pass-42',
  };
  delete env.MAILHOST_RELAY;
  return { dataDir, smtp, http, env };
}

async function httpStatus(port: number, p = '/login'): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${p}`)).status;
}

describe('npm start (bin/start.ts): supervision and single instance', function () {
  this.timeout(120_000);
  const started: Spawned[] = [];
  const seen = new Set<number>(); // every pid of our trees, for cleanup after re-parenting
  const dirs: string[] = [];

  function launch(inst: Instance): Spawned {
    const s = spawnNode(START, inst.env);
    started.push(s);
    return s;
  }
  /** Waits until this launcher's SMTP and admin both answer. */
  async function ready(s: Spawned, inst: Instance): Promise<void> {
    await waitFor('SMTP and the admin to answer', async () => {
      if (s.child.exitCode !== null) throw new Error(`launcher exited ${s.child.exitCode}:\n${s.output()}`);
      return (await listening(inst.smtp)) && (await listening(inst.http)) && (await httpStatus(inst.http)) === 200;
    });
    for (const p of descendants(s.child.pid!)) seen.add(p);
  }
  /** A fresh instance, started and answering. */
  async function running(nodes = 0): Promise<{ inst: Instance; s: Spawned }> {
    const inst = await instance(nodes);
    dirs.push(inst.dataDir);
    const s = launch(inst);
    await ready(s, inst);
    return { inst, s };
  }
  /** Nothing of this instance remains: no process of its tree, no Haraka of its data dir, ports closed. */
  async function nothingLeft(inst: Instance, pids: number[]): Promise<void> {
    await waitFor('every process to be gone', () => pids.every((p) => !alive(p)) && processesMentioning(inst.dataDir).length === 0);
    assert.equal(await listening(inst.smtp), false, 'SMTP port still open');
    assert.equal(await listening(inst.http), false, 'HTTP port still open');
    assert.equal(fs.existsSync(path.join(inst.dataDir, 'mailhost.pid')) && alive(Number(fs.readFileSync(path.join(inst.dataDir, 'mailhost.pid'), 'utf8').split(' ')[0])), false);
  }

  afterEach(() => {
    for (const s of started.splice(0)) killTree(s.child.pid);
    for (const p of seen) if (alive(p)) killTree(p);
    seen.clear();
    for (const d of dirs.splice(0)) {
      for (const p of processesMentioning(d)) killTree(p);
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('SIGKILL of the launcher takes Haraka (master and workers) and the admin with it', async () => {
    const { inst, s } = await running(1);
    const tree = descendants(s.child.pid!);
    assert.ok(processesMentioning(inst.dataDir).length >= 2, 'a Haraka master and a worker run');
    assert.match(await firstLine(inst.smtp), /^220 /);
    process.kill(s.child.pid!, 'SIGKILL');
    await nothingLeft(inst, tree);
  });

  it('Haraka dying stops the admin and the launcher (non-zero), leaving nothing', async () => {
    const { inst, s } = await running();
    const tree = descendants(s.child.pid!);
    const [haraka] = processesMentioning(inst.dataDir);
    process.kill(haraka, 'SIGKILL');
    assert.notEqual(await s.exited, 0);
    assert.match(s.output(), /Haraka exited \(SIGKILL\); stopping the admin/);
    await nothingLeft(inst, tree);
  });

  it('the admin dying is restarted while SMTP keeps answering; SIGTERM then stops everything', async () => {
    const { inst, s } = await running();
    const [haraka] = processesMentioning(inst.dataDir);
    const admin = descendants(s.child.pid!).find((p) => p !== haraka && !descendants(haraka).includes(p))!;
    process.kill(admin, 'SIGKILL');
    await waitFor('the admin to come back', () => /admin back on/.test(s.output()));
    assert.equal(await httpStatus(inst.http), 200);
    assert.match(await firstLine(inst.smtp), /^220 /);
    assert.ok(alive(haraka), 'Haraka was not restarted');
    const tree = descendants(s.child.pid!);
    for (const p of tree) seen.add(p);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    await nothingLeft(inst, tree);
  });

  it('an admin that cannot come back is retried with growing delays while SMTP keeps serving, and returns by itself', async () => {
    const { inst, s } = await running();
    const [haraka] = processesMentioning(inst.dataDir);
    const admin = descendants(s.child.pid!).find((p) => p !== haraka)!;
    // the admin dies and someone else takes its HTTP port before the launcher can restart it
    // (the launcher is paused meanwhile, so the order is certain)
    process.kill(s.child.pid!, 'SIGSTOP');
    process.kill(admin, 'SIGKILL');
    await waitFor('the admin to be gone', () => !alive(admin));
    // the dead admin's connections may hold the port a moment: bind as soon as it is free
    const squatter = await waitFor('the HTTP port to be ours', () =>
      new Promise<net.Server | false>((resolve) => {
        const srv = net.createServer();
        srv.once('error', () => resolve(false));
        srv.listen(inst.http, '127.0.0.1', () => resolve(srv));
      }),
    );
    process.kill(s.child.pid!, 'SIGCONT');
    try {
      await waitFor('two failed restarts', () => /restarting it in 2s[\s\S]*restarting it in 4s/.test(s.output()));
      assert.match(s.output(), /cannot restart the admin: the admin exited \(1\) before listening; restarting it in 2s \(SMTP keeps running\)/);
      assert.match(s.output(), /EADDRINUSE/);
      assert.match(await firstLine(inst.smtp), /^220 /);
      assert.equal(s.child.exitCode, null);
      assert.ok(alive(haraka));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    await waitFor('the admin to come back', () => /admin back on/.test(s.output()));
    assert.equal(await httpStatus(inst.http), 200);
    for (const p of descendants(s.child.pid!)) seen.add(p);
  });

  it('three starts at once: exactly one runs, the others exit non-zero saying why; a start on its ports from another data dir fails too', async () => {
    const inst = await instance();
    dirs.push(inst.dataDir);
    const all = [launch(inst), launch(inst), launch(inst)];
    const first = await Promise.race(all.map((x) => x.exited.then(() => x)));
    const second = await Promise.race(all.filter((x) => x !== first).map((x) => x.exited.then(() => x)));
    const winner = all.find((x) => x !== first && x !== second)!;
    for (const loser of [first, second]) {
      assert.notEqual(loser.child.exitCode, 0);
      assert.match(loser.output(), /mailhost is already running with data directory .* \(pid \d+/);
    }
    await ready(winner, inst);
    assert.match(await firstLine(inst.smtp), /^220 /);
    assert.equal(await httpStatus(inst.http), 200);

    const other = await instance();
    dirs.push(other.dataDir);
    const c = launch({ ...other, env: { ...other.env, MAILHOST_SMTP_LISTEN: inst.env.MAILHOST_SMTP_LISTEN } });
    assert.notEqual(await c.exited, 0);
    assert.match(c.output(), new RegExp(`SMTP address 127\\.0\\.0\\.1:${inst.smtp} is already in use`));
    assert.deepEqual(processesMentioning(other.dataDir), [], 'the failed start left a process');

    // the first instance is untouched
    assert.equal(winner.child.exitCode, null);
    assert.match(await firstLine(inst.smtp), /^220 /);
    assert.equal(await httpStatus(inst.http), 200);
  });

  it('a stale lock (its process gone) does not block a start', async () => {
    const inst = await instance();
    dirs.push(inst.dataDir);
    const dead = spawnSync(process.execPath, ['-e', '']); // a process that ended: its pid is free
    fs.writeFileSync(path.join(inst.dataDir, 'mailhost.pid'), `${dead.pid} 1\n`);
    const s = launch(inst);
    await ready(s, inst);
    assert.equal(fs.readFileSync(path.join(inst.dataDir, 'mailhost.pid'), 'utf8').split(' ')[0], String(s.child.pid));
  });
});
