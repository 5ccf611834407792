// `mailhost learn`: files, directories (recursive, dot-folders skipped), mbox; exit 2 with one
// line on bad arguments; learning is idempotent and --ham moves what was learned as spam.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../bin/cli';
import { describeEachEngine } from '../helpers/db';
import { bayesTotals, learnedAs } from '../../lib/spam';
import { createDomain } from '../../lib/directory';
import { splitMessages } from '../../bin/commands/learn';

function message(i: number, subject: string): string {
  return [`From: sender${i}@example.org`, 'To: user@example.com', `Subject: ${subject} ${i}`, `Message-ID: <${i}.${subject.replace(/\W/g, '')}@example.org>`, '', `${subject} body number ${i}`, ''].join('\n');
}

describeEachEngine('mailhost learn', ({ t }) => {
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { env: { MAILHOST_DB: t().url, MAILHOST_DATA: t().dir }, out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out, err };
  }
  async function bad(re: RegExp, ...argv: string[]) {
    const r = await run(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')} -> ${r.code} ${r.err.join('|')}`);
    assert.equal(r.err.length, 1);
    assert.match(r.err[0], re);
    assert.deepEqual(r.out, []);
  }

  function corpus(): { spamDir: string; hamFile: string; mbox: string } {
    const dir = t().dir;
    const spamDir = path.join(dir, 'Maildir');
    for (const sub of ['cur', 'new', '.Junk/cur']) fs.mkdirSync(path.join(spamDir, sub), { recursive: true });
    fs.writeFileSync(path.join(spamDir, 'cur', '1.eml'), message(1, 'cheap pills'));
    fs.writeFileSync(path.join(spamDir, 'new', '2.eml'), message(2, 'cheap pills'));
    fs.writeFileSync(path.join(spamDir, '.Junk', 'cur', '3.eml'), message(3, 'skipped'));
    fs.writeFileSync(path.join(spamDir, 'dovecot-uidlist'), 'not a message');
    const hamFile = path.join(dir, 'ham.eml');
    fs.writeFileSync(hamFile, message(4, 'meeting notes'));
    const mbox = path.join(dir, 'archive.mbox');
    fs.writeFileSync(mbox, [5, 6, 7].map((i) => `From sender${i}@example.org Mon Sep  2 10:00:00 2024\n${message(i, 'agenda')}\n`).join(''));
    return { spamDir, hamFile, mbox };
  }

  it('learns files, directories and mbox files, idempotently', async () => {
    const { spamDir, hamFile, mbox } = corpus();
    let r = await run('learn', '--spam', spamDir);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0], /learned 2 of 2 messages as spam/);
    r = await run('learn', '--ham', hamFile, mbox);
    assert.match(r.out[0], /learned 4 of 4 messages as ham/);
    const totals = await bayesTotals(t().db);
    assert.deepEqual([totals.spam, totals.ham], [2, 4]);
    r = await run('learn', '--spam', spamDir);
    assert.match(r.out[0], /learned 0 of 2 .*2 already known/);
    r = await run('learn', '--ham', path.join(spamDir, 'cur'));
    assert.match(r.out[0], /learned 1 of 1 messages as ham .*1 moved from spam/);
    assert.equal(await learnedAs(t().db, Buffer.from(message(1, 'cheap pills'))), 'ham');
    r = await run('learn', '--forget', spamDir);
    assert.match(r.out[0], /forgot 2 of 2/);
    assert.deepEqual((await bayesTotals(t().db)).spam, 0);
  });

  it('learns into a domain scope', async () => {
    const { hamFile } = corpus();
    const d = await createDomain(t().db, { name: 'scope.example' });
    const r = await run('learn', '--ham', '--domain', 'scope.example', hamFile);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal((await bayesTotals(t().db, d.id)).ham, 1);
    assert.equal((await bayesTotals(t().db)).ham, 0);
  });

  it('exits 2 with one line on bad arguments', async () => {
    const { hamFile } = corpus();
    await bad(/usage: mailhost learn --spam\|--ham/, 'learn', hamFile);
    await bad(/usage: mailhost learn/, 'learn', '--spam', '--ham', hamFile);
    await bad(/usage: mailhost learn/, 'learn');
    await bad(/give at least one file/, 'learn', '--spam');
    await bad(/no such file or directory: .*nope/, 'learn', '--spam', path.join(t().dir, 'nope'));
    await bad(/does not exist/, 'learn', '--ham', '--domain', 'unknown.example', hamFile);
    await bad(/Unknown option/i, 'learn', '--spam', '--bogus', hamFile);
  });

  it('splits mbox files and un-escapes >From lines', () => {
    const parts = splitMessages(Buffer.from('From a@b Mon Sep  2 10:00:00 2024\nSubject: one\n\n>From here\n\nFrom c@d Mon Sep  2 10:00:00 2024\nSubject: two\n\nbody\n'));
    assert.equal(parts.length, 2);
    assert.match(parts[0].toString(), /^Subject: one\n\nFrom here\n$/);
    assert.match(parts[1].toString(), /^Subject: two/);
    assert.equal(splitMessages(Buffer.from('Subject: plain\n\nx')).length, 1);
  });
});
