// From argv to a declared command, or to the help asked for.
import assert from 'node:assert/strict';
import { command, dispatch, UsageError, type CommandGroup } from '../../../bin/engine';

const noop = async () => undefined;
const groups: CommandGroup[] = [
  {
    name: 'box',
    summary: 'boxes',
    commands: [
      command({ name: 'add', help: 'add a box', positionals: [{ name: 'name' }], run: noop }),
      command({ name: 'delete', aliases: ['del'], help: 'delete a box', positionals: [{ name: 'name' }], run: noop }),
    ],
  },
  { name: 'clean', summary: 'cleaning', commands: [command({ help: 'clean up', flags: { days: { type: 'int', help: 'older than' } }, run: noop })] },
  {
    name: 'count',
    summary: 'a command with actions too',
    commands: [command({ help: 'count', flags: { days: { type: 'int', help: 'days' } }, run: noop }), command({ name: 'reset', help: 'start again', run: noop })],
  },
];

function usageError(argv: string[], re: RegExp): void {
  assert.throws(() => dispatch(groups, argv), (e: unknown) => e instanceof UsageError && re.test(e.message));
}

describe('CLI engine: dispatch', () => {
  it('no command: the overview, exit 2; help: the overview, exit 0', () => {
    const none = dispatch(groups, []);
    assert.equal(none.code, 2);
    assert.match(none.help ?? '', /mailhost box add <name>/);
    for (const argv of [['help'], ['--help'], ['-h']]) assert.equal(dispatch(groups, argv).code, 0);
  });

  it('help <group>, <group> --help, <group> -h: the group help, exit 0', () => {
    for (const argv of [['help', 'box'], ['box', '--help'], ['box', '-h']]) {
      const d = dispatch(groups, argv);
      assert.equal(d.code, 0);
      assert.match(d.help ?? '', /^mailhost box: boxes\n[^]*add a box[^]*delete a box/);
    }
  });

  it('a group that is a command and has actions: the action when named, else the group itself', () => {
    const whole = dispatch(groups, ['count', '--days', '3']);
    assert.deepEqual(whole.help === undefined && [whole.command.name, whole.action, whole.flags.days], [undefined, undefined, 3]);
    const reset = dispatch(groups, ['count', 'reset']);
    assert.deepEqual(reset.help === undefined && [reset.command.name, reset.action], ['reset', 'reset']);
    usageError(['count', 'other'], /unexpected argument/);
    assert.match(dispatch(groups, ['count', 'reset', '--help']).help ?? '', /start again/);
  });

  it('<group> <action> --help: that command only', () => {
    const d = dispatch(groups, ['box', 'add', '--help']);
    assert.equal(d.code, 0);
    assert.match(d.help ?? '', /add a box/);
    assert.doesNotMatch(d.help ?? '', /delete a box/);
  });

  it('a group that is one command takes its flags right after its name', () => {
    const d = dispatch(groups, ['clean', '--days', '3']);
    assert.equal(d.help, undefined);
    assert.deepEqual(d.help === undefined && [d.action, d.flags], [undefined, { days: 3 }]);
    assert.match(dispatch(groups, ['clean', '--help']).help ?? '', /clean up[^]*--days N/);
  });

  it('an action by another name', () => {
    const d = dispatch(groups, ['box', 'del', 'x']);
    assert.ok(d.help === undefined && d.command.name === 'delete' && d.action === 'del');
  });

  it('unknown command, unknown or missing action: usage errors', () => {
    usageError(['frobnicate'], /^unknown command "frobnicate" \(try: mailhost help\)$/);
    usageError(['help', 'frobnicate'], /^unknown command "frobnicate"/);
    usageError(['box', 'paint'], /^usage: mailhost box add\|delete \.\.\.$/);
    usageError(['box'], /^usage: mailhost box add\|delete \.\.\.$/);
    usageError(['clean', 'now'], /^unexpected argument "now" \(usage: mailhost clean \[--days N\]\)$/);
  });
});
