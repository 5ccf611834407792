// `mailhost learn --spam|--ham|--forget [--domain D] <files or dirs...>`: bulk Bayes training.
// Each file is one raw RFC 822 message, or an mbox ("From " separated); directories are
// walked recursively (Maildir cur/new included, dot-folders such as .Junk skipped unless named).
import fs from 'node:fs';
import path from 'node:path';
import { command, UsageError, type CommandGroup } from '../engine';
import { getDomain } from '../../lib/directory';
import type { Db } from '../../lib/core';
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

/** Learns (or forgets, cls null) every message of the files, in batches. */
async function train(db: Db, files: string[], cls: BayesClass | null, scope: number | 'global') {
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
  return { total, changed, moved };
}

export const learnCommand: CommandGroup = {
  name: 'learn',
  summary: 'bulk training of the Bayes filter',
  commands: [
    command({
      help: 'train the Bayes filter with messages: files, Maildirs (walked recursively, dot-folders skipped unless named) or mbox',
      flagsFirst: true,
      positionals: [{ name: 'paths', label: '<files or dirs...>', variadic: true, missing: 'learn: give at least one file or directory' }],
      flags: {
        spam: { type: 'boolean', help: 'learn them as spam' },
        ham: { type: 'boolean', help: 'learn them as ham' },
        forget: { type: 'boolean', help: 'forget what was learned from them' },
        domain: { type: 'string', arg: 'D', help: "the domain's own filter (default: the global one)" },
        quiet: { type: 'boolean', short: 'q', help: 'accepted for compatibility; the summary line is printed anyway' },
      },
      groups: [{ flags: ['spam', 'ham', 'forget'], required: true }],
      async run({ flags, args, ctx }) {
        const files = messageFiles(args.paths);
        const cls: BayesClass | null = flags.spam ? 'spam' : flags.ham ? 'ham' : null;
        const db = await ctx.db();
        const scope = flags.domain ? (await getDomain(db, flags.domain)).id : 'global';
        const { total, changed, moved } = await train(db, files, cls, scope);
        const where = flags.domain ? `domain ${flags.domain}` : 'global';
        if (cls) ctx.print(`learned ${changed} of ${total} messages as ${cls} (${total - changed} already known, ${moved} moved from ${cls === 'spam' ? 'ham' : 'spam'}) [${where}]`);
        else ctx.print(`forgot ${changed} of ${total} messages (${total - changed} were not learned) [${where}]`);
      },
    }),
  ],
};
