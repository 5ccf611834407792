// The command that starts Haraka: our V8 heap flag comes first, and this Node accepts it (an
// unknown V8 flag would stop Haraka from starting at all).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { harakaCommand, HARAKA_NODE_FLAGS } from '../../../lib/haraka';

describe('harakaCommand', () => {
  it('runs this Node with the heap flag, before the Haraka script', () => {
    const { command, args } = harakaCommand('/tmp/some-haraka-dir', { exitWithParent: true });
    assert.equal(command, process.execPath);
    assert.deepEqual(args.slice(0, HARAKA_NODE_FLAGS.length), HARAKA_NODE_FLAGS);
    assert.match(args[args.length - 3], /Haraka[/\\]bin[/\\]haraka$/);
    assert.deepEqual(args.slice(-2), ['-c', '/tmp/some-haraka-dir']);
  });

  it('the flags are accepted by this Node', () => {
    const r = spawnSync(process.execPath, [...HARAKA_NODE_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bad = spawnSync(process.execPath, ['--no-such-v8-flag-here', '-e', 'process.exit(0)'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0, 'an unknown flag is refused: the check above can fail');
  });
});
