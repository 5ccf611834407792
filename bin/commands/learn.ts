// `mailhost learn --spam|--ham|--forget [--domain D] <files or dirs...>`: bulk Bayes training.
// Each file is one raw RFC 822 message, or an mbox ("From " separated); directories are
// walked recursively (Maildir cur/new included, dot-folders such as .Junk skipped unless named).
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, parseFlags, type CommandGroup } from '../cli';
import { getDomain } from '../../lib/directory';
import { learnMany, type BayesClass, type LearnItem } from '../../lib/spam';

const NOT_MESSAGES = /^(dovecot|maildirsize$|maildirfolder$|subscriptions$|courier|\.)/;
const BATCH = 200;

/** Every file under the given paths (throws UsageError for a path that does not exist). */
export function messageFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (NOT_MESSAGES.test(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new UsageError(`no such file or directory: ${p}`);
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

/** The messages of a file: one, or several when it is an mbox. */
export function splitMessages(buf: Buffer): Buffer[] {
  if (buf.length < 5 || buf.toString('latin1', 0, 5) !== 'From ') return [buf];
  const s = buf.toString('latin1');
  const starts: number[] = [0];
  const re = /\n\n(From [^\n]*\n)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) starts.push(m.index + 2);
  return starts.map((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1] - 1 : buf.length;
    const nl = buf.indexOf(10, start);
    const body = buf.subarray(nl < 0 ? end : nl + 1, end);
    // un-escape mboxrd ">From " lines
    return /\n>+From /.test(body.toString('latin1')) ? Buffer.from(body.toString('latin1').replace(/\n>(>*From )/g, '\n$1'), 'latin1') : body;
  });
}

export const learnCommand: CommandGroup = {
  name: 'learn',
  summary: ['learn --spam|--ham|--forget [--domain D] <files or dirs...>   train the Bayes filter (files, Maildirs, mbox)'],
  async run(action, argv, ctx) {
    const args = action === undefined ? argv : [action, ...argv];
    const { values, positionals } = parseFlags(args, {
      spam: { type: 'boolean' },
      ham: { type: 'boolean' },
      forget: { type: 'boolean' },
      domain: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    });
    const chosen = (['spam', 'ham', 'forget'] as const).filter((k) => values[k]);
    if (chosen.length !== 1) throw new UsageError('usage: mailhost learn --spam|--ham|--forget [--domain D] <files or dirs...>');
    if (!positionals.length) throw new UsageError('learn: give at least one file or directory');
    const files = messageFiles(positionals);
    const cls: BayesClass | null = chosen[0] === 'forget' ? null : chosen[0];
    const db = await ctx.db();
    const scope = values.domain ? (await getDomain(db, values.domain)).id : 'global';
    let total = 0;
    let changed = 0;
    let moved = 0;
    let batch: LearnItem[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const outcomes = await learnMany(db, batch, { scope });
      for (const o of outcomes) {
        if (o.changed) changed++;
        if (o.changed && o.previous && cls) moved++;
      }
      total += batch.length;
      batch = [];
    };
    for (const file of files) {
      for (const raw of splitMessages(fs.readFileSync(file))) {
        if (!raw.length) continue;
        batch.push({ raw, cls });
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
    const where = values.domain ? `domain ${values.domain}` : 'global';
    if (cls) ctx.print(`learned ${changed} of ${total} messages as ${cls} (${total - changed} already known, ${moved} moved from ${cls === 'spam' ? 'ham' : 'spam'}) [${where}]`);
    else ctx.print(`forgot ${changed} of ${total} messages (${total - changed} were not learned) [${where}]`);
  },
};
