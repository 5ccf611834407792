// `mailhost autoreply ...`: the autoresponders of a mailbox (ISPConfig, Plesk, Nuxit).
import fs from 'node:fs';
import path from 'node:path';
import { command, UsageError, type CommandGroup, type FlagValues } from '../engine';
import { displayAddress, MailhostError } from '../../lib/core';
import { json } from './common';
import { getMailbox, getDomain } from '../../lib/directory';
import {
  saveAutoreply,
  findAutoreply,
  listAutoreplies,
  setAutoreplyEnabled,
  deleteAutoreply,
  addAttachment,
  type AutoreplyInput,
  type Autoreply,
  type ReplyCondition,
} from '../../lib/autoreply';

const NAME = { type: 'string', arg: 'N', help: 'which autoreply of the mailbox (default: its only one, or "default")' } as const;

const SET_FLAGS = {
  name: NAME,
  subject: { type: 'string', arg: 'S', help: 'subject of the reply (default: Re: <incoming subject>)' },
  text: { type: 'string', arg: 'T', help: 'the reply text' },
  'text-file': { type: 'string', arg: 'F', help: 'the reply text, read from a file (- = standard input)' },
  'html-file': { type: 'string', arg: 'F', help: 'an HTML version, read from a file ("" removes it)' },
  start: { type: 'string', arg: 'ISO|now', help: 'answer from then on' },
  end: { type: 'string', arg: 'ISO', help: 'answer until then ("" = no end)' },
  condition: { type: 'string', arg: 'always|subject:TEXT|body:TEXT', help: 'answer only messages whose subject or body contains TEXT' },
  'reply-to': { type: 'string', arg: 'A', help: 'Reply-To of the reply' },
  'max-per-day': { type: 'int', help: 'replies to one correspondent per 24 h' },
  'max-correspondents': { type: 'int', help: 'correspondents remembered (the least recent are forgotten)' },
  'forward-to': { type: 'string', arg: 'A', help: 'also forward the messages there while away' },
  attach: { type: 'string', arg: 'FILE', multiple: true, help: 'attach a file to the reply' },
  'clear-attachments': { type: 'boolean', help: 'remove the attachments' },
  enabled: { type: 'yesno', help: 'answer or not (a new autoreply answers at once)' },
} as const;

function readFileFlag(file: string, flag: string): Buffer {
  try {
    return file === '-' ? fs.readFileSync(0) : fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function parseCondition(value: string | undefined): { condition?: ReplyCondition; conditionText?: string | null } {
  if (value === undefined) return {};
  if (value === 'always') return { condition: 'always', conditionText: null };
  const m = /^(subject|body):(.*)$/s.exec(value);
  if (!m || !m[2].trim()) throw new UsageError(`--condition takes always, subject:TEXT or body:TEXT, got "${value}"`);
  return { condition: m[1] === 'subject' ? 'subject_contains' : 'body_contains', conditionText: m[2] };
}

/** '' clears an optional value (no end, no reply-to, default subject...). */
const orNull = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? null : v);

function setInput(flags: FlagValues<typeof SET_FLAGS>): AutoreplyInput {
  return {
    name: flags.name,
    subject: orNull(flags.subject),
    bodyText: flags['text-file'] !== undefined ? readFileFlag(flags['text-file'], '--text-file').toString('utf8') : flags.text,
    bodyHtml: flags['html-file'] !== undefined ? (flags['html-file'] === '' ? null : readFileFlag(flags['html-file'], '--html-file').toString('utf8')) : undefined,
    startsAt: flags.start === undefined ? undefined : flags.start.trim().toLowerCase() === 'now' ? 'now' : orNull(flags.start),
    endsAt: orNull(flags.end),
    ...parseCondition(flags.condition),
    replyTo: orNull(flags['reply-to']),
    maxPerDay: flags['max-per-day'],
    maxCorrespondents: flags['max-correspondents'],
    forwardTo: orNull(flags['forward-to']),
    enabled: flags.enabled,
  };
}

function describe(a: Autoreply): string {
  const when = a.starts_at || a.ends_at ? `${a.starts_at ?? '...'} -> ${a.ends_at ?? 'no end'}` : 'always';
  const cond = a.condition === 'always' ? 'always' : `${a.condition === 'subject_contains' ? 'subject' : 'body'}:${a.condition_text}`;
  const extras = [
    a.subject ? `subject "${a.subject}"` : 'subject Re: <incoming>',
    `max ${a.max_per_day}/day`,
    a.forward_to ? `forward -> ${a.forward_to}` : '',
    a.reply_to ? `reply-to ${a.reply_to}` : '',
    a.body_html ? 'html' : '',
    a.attachments.length ? `attachments: ${a.attachments.map((f) => f.filename).join(', ')}` : '',
  ].filter(Boolean);
  return `${displayAddress(a.mailbox)}\t${a.name}\t${a.enabled ? 'enabled' : 'disabled'}\t${when}\t${cond}\t${extras.join('; ')}`;
}

/** `autoreply enable` and `autoreply disable`. */
function toggle(name: 'enable' | 'disable') {
  return command({
    name,
    help: `${name} an autoreply`,
    positionals: [{ name: 'address' }],
    flags: { name: NAME },
    async run({ flags, args, ctx }) {
      const db = await ctx.db();
      const a = await findAutoreply(db, args.address, flags.name);
      const done = await setAutoreplyEnabled(db, a.id, name === 'enable');
      ctx.print(`autoreply "${done.name}" of ${displayAddress(done.mailbox)} ${name}d`);
    },
  });
}

export const autoreplyCommand: CommandGroup = {
  name: 'autoreply',
  summary: 'the autoresponders of a mailbox (vacation messages)',
  commands: [
    command({
      name: 'set',
      help: 'create or change an autoreply',
      positionals: [{ name: 'address' }],
      flags: SET_FLAGS,
      groups: [{ flags: ['text', 'text-file'] }],
      extra: 'quote texts with spaces',
      async run({ flags, args, ctx }) {
        const input = setInput(flags);
        const files = (flags.attach ?? []).map((f) => ({ filename: path.basename(f), content: readFileFlag(f, '--attach') }));
        const db = await ctx.db();
        const mb = await getMailbox(db, args.address);
        // without --name: the mailbox's only autoreply (or "default"), else a new "default"
        let existing: Autoreply | undefined;
        try {
          existing = await findAutoreply(db, mb.id, input.name);
        } catch (err) {
          if (!(err instanceof MailhostError && err.code === 'not_found')) throw err;
        }
        input.name ??= existing?.name;
        if (!existing && flags.enabled === undefined) input.enabled = true; // a new autoreply set from the CLI answers at once
        if (files.length || flags['clear-attachments']) {
          const ids = flags['clear-attachments'] ? [] : (existing?.attachments.map((a) => a.id) ?? []);
          for (const f of files) ids.push((await addAttachment(db, mb.id, { ...f, replace: true })).id);
          input.attachmentIds = ids;
        }
        const { autoreply, created } = await saveAutoreply(db, mb.id, input);
        ctx.print(`autoreply "${autoreply.name}" of ${displayAddress(autoreply.mailbox)} ${created ? 'created' : 'updated'} (${autoreply.enabled ? 'enabled' : 'disabled'})`);
      },
    }),
    toggle('enable'),
    toggle('disable'),
    command({
      name: 'list',
      help: 'the autoreplies (of a mailbox or a domain)',
      positionals: [{ name: 'target', label: '<address>|<domain>', optional: true }],
      flags: { json },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const target = args.target;
        let rows = target?.includes('@') ? await listAutoreplies(db, { mailbox: target }) : await listAutoreplies(db);
        if (target && !target.includes('@')) {
          const domain = (await getDomain(db, target)).name; // an unknown domain is an error, not an empty list
          rows = rows.filter((a) => a.mailbox.endsWith(`@${domain}`) || displayAddress(a.mailbox).endsWith(`@${domain}`));
        }
        if (flags.json) return ctx.printJson(rows);
        for (const a of rows) ctx.print(describe(a));
      },
    }),
    command({
      name: 'del',
      help: 'delete an autoreply',
      positionals: [{ name: 'address' }],
      flags: { name: NAME },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const a = await findAutoreply(db, args.address, flags.name);
        await deleteAutoreply(db, a.id);
        ctx.print(`autoreply "${a.name}" of ${displayAddress(a.mailbox)} deleted`);
      },
    }),
  ],
};
