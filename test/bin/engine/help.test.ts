// Help written from the declarations: usage lines, `mailhost help`, `mailhost <group> --help`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { command, usageLine, overview, groupHelp, type CommandGroup } from '../../../bin/engine';
import { commandGroups } from '../../../bin/commands';

const noop = async () => undefined;

const group: CommandGroup = {
  name: 'box',
  summary: 'boxes for the test',
  commands: [
    command({
      name: 'add',
      help: 'add a box',
      note: 'a note',
      positionals: [{ name: 'name' }, { name: 'tags', variadic: true, optional: true }],
      flags: {
        size: { type: 'int', help: 'size in cm' },
        colour: { type: 'enum', values: ['red', 'blue'], help: 'its colour' },
        open: { type: 'yesno' },
        pw: { type: 'string', arg: 'PW', help: 'a password' },
        gen: { type: 'boolean', help: 'generate one' },
        label: { type: 'string', multiple: true },
      },
      groups: [{ flags: ['pw', 'gen'], required: true }],
      run: noop,
    }),
    command({ name: 'learn', help: 'flags first', flagsFirst: true, positionals: [{ name: 'files', label: '<files...>', variadic: true }], flags: { spam: { type: 'boolean' }, ham: { type: 'boolean' } }, groups: [{ flags: ['spam', 'ham'], required: true }], run: noop }),
  ],
};

describe('CLI engine: help', () => {
  it('usage line: positionals, required group, optional flags with their placeholders', () => {
    assert.equal(usageLine('box', group.commands[0]), 'box add <name> [<tags>...] (--pw PW | --gen) [--size N] [--colour red|blue] [--open yes|no] [--label VALUE]...');
    assert.equal(usageLine('box', group.commands[1]), 'box learn --spam|--ham <files...>');
  });

  it('mailhost help: every command of every group, and how to get more', () => {
    const text = overview([group]);
    assert.match(text, /^usage: mailhost <command> \[\.\.\.\]\n/);
    // a long line wraps under its first argument, the note last
    assert.match(text, /\n {2}mailhost box add <name> \[<tags>\.\.\.\] \(--pw PW \| --gen\) \[--size N\] \[--colour red\|blue\]\n {19}\[--open yes\|no\] \[--label VALUE\]\.\.\. {3}\(a note\)\n/);
    assert.match(text, /\n {2}mailhost box learn --spam\|--ham <files\.\.\.>\n/);
    assert.match(text, /mailhost <command> --help/);
  });

  it('mailhost <group> --help: each command, its help line and every flag with its help', () => {
    const lines = groupHelp(group).split('\n');
    assert.equal(lines[0], 'mailhost box: boxes for the test');
    assert.ok(lines.includes('      add a box (a note)'), lines.join('\n'));
    assert.ok(lines.includes('        --size N            size in cm'), lines.join('\n'));
    assert.ok(lines.includes('        --colour red|blue   its colour'), lines.join('\n'));
    assert.ok(lines.includes('        --label VALUE...'), lines.join('\n'));
    assert.ok(lines.includes('      flags first'));
  });

  it('one command only, when asked about it', () => {
    const text = groupHelp(group, group.commands[1]);
    assert.doesNotMatch(text, /add a box/);
    assert.match(text, /flags first/);
  });

  it('the real commands: every command has a help line and every flag is explained', () => {
    for (const g of commandGroups) {
      const text = groupHelp(g);
      for (const c of g.commands) {
        assert.ok(c.help, `${g.name} ${c.name ?? ''} has no help`);
        for (const [name, def] of Object.entries(c.flags ?? {})) {
          assert.ok(def.help, `${g.name} ${c.name ?? ''} --${name} has no help`);
          assert.match(text, new RegExp(`--${name}\\b`));
        }
      }
    }
  });
});

describe('README', () => {
  it('shows `mailhost help` as the declarations write it', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    const block = /`\.\/bin\/mailhost help` lists every command[^]*?```\n([^]*?)```/.exec(readme);
    assert.ok(block, 'the Command line section has a help block');
    assert.equal(block[1].trimEnd(), overview(commandGroups));
  });
});
