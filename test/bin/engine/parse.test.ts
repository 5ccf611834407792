// The one CLI parser, on a declared command that has every flag and positional kind: what each
// argv becomes, and the one-line usage error for each bad input.
import assert from 'node:assert/strict';
import { command, parseCommand, UsageError, type Parsed } from '../../../bin/engine';

const noop = async () => undefined;

const cmd = command({
  name: 'try',
  help: 'a command with every kind of flag',
  positionals: [{ name: 'first' }, { name: 'id', type: 'int', optional: true }],
  flags: {
    text: { type: 'string' },
    count: { type: 'int' },
    threshold: { type: 'number' },
    on: { type: 'yesno' },
    mode: { type: 'enum', values: ['fast', 'slow', 'off'] },
    json: { type: 'boolean' },
    attach: { type: 'string', multiple: true },
    quiet: { type: 'boolean', short: 'q' },
    a: { type: 'boolean' },
    b: { type: 'string' },
  },
  groups: [{ flags: ['a', 'b'] }],
  run: noop,
});

const required = command({
  name: 'pick',
  help: 'exactly one of three, then files',
  positionals: [{ name: 'files', variadic: true, missing: 'give at least one file' }],
  flags: { spam: { type: 'boolean' }, ham: { type: 'boolean' }, forget: { type: 'boolean' } },
  groups: [{ flags: ['spam', 'ham', 'forget'], required: true }],
  run: noop,
});

function parse(argv: string[], c = cmd): Parsed {
  return parseCommand(c, 'test', argv);
}

describe('CLI engine: parser', () => {
  const good: [string, string[], Record<string, unknown>, Record<string, unknown>][] = [
    ['a positional alone', ['x'], {}, { first: 'x' }],
    ['an int positional', ['x', '42'], {}, { first: 'x', id: 42 }],
    ['a string flag, separate and with =', ['x', '--text', 'hello world', '--b=v'], { text: 'hello world', b: 'v' }, { first: 'x' }],
    ['a value starting with a dash, with =', ['x', '--text=-dash'], { text: '-dash' }, { first: 'x' }],
    ['an int flag', ['x', '--count', '7'], { count: 7 }, { first: 'x' }],
    ['a negative number is a value, not a flag', ['x', '--threshold', '-100'], { threshold: -100 }, { first: 'x' }],
    ['a negative decimal too', ['x', '--threshold', '-0.5'], { threshold: -0.5 }, { first: 'x' }],
    ['a negative number for a string flag', ['x', '--text', '-3'], { text: '-3' }, { first: 'x' }],
    ['a decimal number', ['x', '--threshold', '7.5'], { threshold: 7.5 }, { first: 'x' }],
    ['yes|no and its spellings', ['x', '--on', 'Yes'], { on: true }, { first: 'x' }],
    ['no', ['x', '--on', 'off'], { on: false }, { first: 'x' }],
    ['an enum', ['x', '--mode', 'slow'], { mode: 'slow' }, { first: 'x' }],
    ['a boolean, before the positionals', ['--json', 'x'], { json: true }, { first: 'x' }],
    ['a short flag', ['x', '-q'], { quiet: true }, { first: 'x' }],
    ['a repeatable flag keeps every value, in order', ['x', '--attach', 'a.pdf', '--attach', 'b.pdf'], { attach: ['a.pdf', 'b.pdf'] }, { first: 'x' }],
    ['a lone dash is a value (stdin)', ['x', '--text', '-'], { text: '-' }, { first: 'x' }],
    ['-- ends the flags', ['--', '--text'], {}, { first: '--text' }],
    ['a negative number as a positional', ['-5'], {}, { first: '-5' }],
  ];
  for (const [what, argv, flags, args] of good) {
    it(what, () => {
      assert.deepEqual(parse(argv), { help: false, flags, args });
    });
  }

  const bad: [string, string[], RegExp, typeof cmd?][] = [
    ['unknown flag', ['x', '--colour', 'red'], /^Unknown option '--colour' \(see mailhost test --help\)$/],
    ['unknown short flag', ['x', '-z'], /^Unknown option '-z'/],
    ['missing positional: the usage line', [], /^usage: mailhost test try <first> \[<id>\]/],
    ['missing positional with its own message', ['--spam'], /^give at least one file$/, required],
    ['one positional too many', ['x', '1', 'y'], /^unexpected argument "y" \(usage: mailhost test try /],
    ['int positional not a number', ['x', 'abc'], /^<id> takes a whole number, got "abc"/],
    ['int flag not a number', ['x', '--count', 'lots'], /^--count takes a whole number, got "lots"$/],
    ['int flag negative', ['x', '--count', '-5'], /^--count takes a whole number, got "-5"$/],
    ['int flag fraction', ['x', '--count', '1.5'], /^--count takes a whole number, got "1.5"$/],
    ['number flag not a number', ['x', '--threshold', '1e'], /^--threshold takes a number, got "1e"$/],
    ['yes|no flag', ['x', '--on', 'maybe'], /^--on takes yes or no, got "maybe"$/],
    ['enum flag', ['x', '--mode', 'warp'], /^--mode takes fast, slow or off, got "warp"$/],
    ['value missing at the end', ['x', '--text'], /^Option '--text <value>' argument missing$/],
    ['a flag where a value should be', ['x', '--text', '--json'], /^Option '--text' argument is ambiguous/],
    ['a boolean given a value', ['x', '--json=yes'], /^Option '--json' does not take an argument$/],
    ['two of an exclusive pair', ['x', '--a', '--b', 'v'], /^give --a or --b, not both$/],
    ['none of a required group: the usage line', ['f'], /^give --spam, --ham or --forget \(usage: mailhost test pick <files>\.\.\. --spam\|--ham\|--forget\)$/, required],
    ['two of a required group', ['--spam', '--ham', 'f'], /^give --spam, --ham or --forget, not several \(usage: /, required],
  ];
  for (const [what, argv, re, c] of bad) {
    it(`usage error: ${what}`, () => {
      assert.throws(
        () => parse(argv, c),
        (err: unknown) => err instanceof UsageError && re.test(err.message) && !err.message.includes('\n'),
      );
    });
  }

  it('--help or -h among the flags asks for help, even with other input missing', () => {
    assert.deepEqual(parse(['--help']), { help: true });
    assert.deepEqual(parse(['x', '-h']), { help: true });
    assert.deepEqual(parse(['x', '--text=--help']), { help: false, flags: { text: '--help' }, args: { first: 'x' } });
  });

  it('a variadic positional takes the rest', () => {
    assert.deepEqual(parse(['--ham', 'a', 'b', '-7'], required), { help: false, flags: { ham: true }, args: { files: ['a', 'b', '-7'] } });
  });
});
