// `mailhost haraka install <dir>` on an existing Haraka directory: shims, plugin list, our
// config files (never overwriting what the admin already has), idempotent, clear refusal.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installIntoHaraka, ourPlugins } from '../../bin/commands/haraka';
import { UsageError } from '../../bin/cli';

describe('mailhost haraka install', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-haraka-install-'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config', 'plugins'), 'tls\nrcpt_to.in_host_list');
    fs.writeFileSync(path.join(dir, 'config', 'mailhost.deliver.timeout'), '300\n'); // the admin's own
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds shims, lists our plugins once, and copies our config files without overwriting', () => {
    const names = installIntoHaraka(dir);
    assert.deepEqual(names, ourPlugins());
    assert.ok(names.includes('mailhost.rcpt') && names.includes('mailhost.deliver'));
    for (const n of names) {
      const shim = require(path.join(dir, 'plugins', `${n}.js`)) as Record<string, unknown>;
      assert.ok(Object.values(shim).some((v) => typeof v === 'function'), `${n} loads our compiled plugin`);
    }
    installIntoHaraka(dir); // again: nothing listed twice
    const listed = fs.readFileSync(path.join(dir, 'config', 'plugins'), 'utf8').split('\n');
    assert.deepEqual(listed.slice(0, 2), ['tls', 'rcpt_to.in_host_list']);
    for (const n of names) assert.equal(listed.filter((l) => l === n).length, 1, n);
    assert.equal(fs.readFileSync(path.join(dir, 'config', 'mailhost.rcpt.timeout'), 'utf8').trim(), '15');
    assert.equal(fs.readFileSync(path.join(dir, 'config', 'mailhost.deliver.timeout'), 'utf8').trim(), '300');
    assert.ok(fs.existsSync(path.join(dir, 'config', 'mailhost.ini')));
  });

  it('refuses a directory that is not a Haraka install', () => {
    assert.throws(() => installIntoHaraka(path.join(dir, 'nope')), (e: unknown) => e instanceof UsageError && /not a Haraka directory/.test(e.message));
  });
});
