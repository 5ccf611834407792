// `mailhost autoreply ...`: the autoresponders of a mailbox (ISPConfig, Plesk, Nuxit).
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, parseFlags, intFlag, yesNo, requirePositionals, type CommandGroup } from '../cli';
import { displayAddress, MailhostError } from '../../lib/core';
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

const SET_USAGE =
  'autoreply set <address> [--name N] [--subject S] [--text T | --text-file F] [--html-file F] [--start ISO|now] [--end ISO] [--condition always|subject:TEXT|body:TEXT] [--reply-to A] [--max-per-day N] [--max-correspondents N] [--forward-to A] [--attach FILE]... [--clear-attachments] [--enabled yes|no]';

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

export const autoreplyCommand: CommandGroup = {
  name: 'autoreply',
  summary: [SET_USAGE, 'autoreply enable|disable <address> [--name N]', 'autoreply list [<address>|<domain>] [--json]', 'autoreply del <address> [--name N]'],
  async run(action, argv, ctx) {
    switch (action) {
      case 'set': {
        const { values, positionals } = parseFlags(argv, {
          name: { type: 'string' },
          subject: { type: 'string' },
          text: { type: 'string' },
          'text-file': { type: 'string' },
          'html-file': { type: 'string' },
          start: { type: 'string' },
          end: { type: 'string' },
          condition: { type: 'string' },
          'reply-to': { type: 'string' },
          'max-per-day': { type: 'string' },
          'max-correspondents': { type: 'string' },
          'forward-to': { type: 'string' },
          attach: { type: 'string', multiple: true },
          'clear-attachments': { type: 'boolean' },
          enabled: { type: 'string' },
        });
        requirePositionals(positionals, 1, SET_USAGE);
        if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}" (quote texts with spaces)`);
        if (values.text !== undefined && values['text-file'] !== undefined) throw new UsageError('give --text or --text-file, not both');
        const enabled = yesNo(values.enabled, '--enabled');
        const input: AutoreplyInput = {
          name: values.name,
          subject: orNull(values.subject),
          bodyText: values['text-file'] !== undefined ? readFileFlag(values['text-file'], '--text-file').toString('utf8') : values.text,
          bodyHtml: values['html-file'] !== undefined ? (values['html-file'] === '' ? null : readFileFlag(values['html-file'], '--html-file').toString('utf8')) : undefined,
          startsAt: values.start === undefined ? undefined : values.start.trim().toLowerCase() === 'now' ? 'now' : orNull(values.start),
          endsAt: orNull(values.end),
          ...parseCondition(values.condition),
          replyTo: orNull(values['reply-to']),
          maxPerDay: intFlag(values['max-per-day'], '--max-per-day'),
          maxCorrespondents: intFlag(values['max-correspondents'], '--max-correspondents'),
          forwardTo: orNull(values['forward-to']),
          enabled,
        };
        const files = (values.attach ?? []).map((f) => ({ filename: path.basename(f), content: readFileFlag(f, '--attach') }));
        const db = await ctx.db();
        const mb = await getMailbox(db, positionals[0]);
        // without --name: the mailbox's only autoreply (or "default"), else a new "default"
        let existing: Autoreply | undefined;
        try {
          existing = await findAutoreply(db, mb.id, input.name);
        } catch (err) {
          if (!(err instanceof MailhostError && err.code === 'not_found')) throw err;
        }
        input.name ??= existing?.name;
        if (!existing && enabled === undefined) input.enabled = true; // a new autoreply set from the CLI answers at once
        if (files.length || values['clear-attachments']) {
          const ids = values['clear-attachments'] ? [] : (existing?.attachments.map((a) => a.id) ?? []);
          for (const f of files) ids.push((await addAttachment(db, mb.id, { ...f, replace: true })).id);
          input.attachmentIds = ids;
        }
        const { autoreply, created } = await saveAutoreply(db, mb.id, input);
        ctx.print(`autoreply "${autoreply.name}" of ${displayAddress(autoreply.mailbox)} ${created ? 'created' : 'updated'} (${autoreply.enabled ? 'enabled' : 'disabled'})`);
        return;
      }
      case 'enable':
      case 'disable': {
        const { values, positionals } = parseFlags(argv, { name: { type: 'string' } });
        requirePositionals(positionals, 1, `autoreply ${action} <address> [--name N]`);
        const db = await ctx.db();
        const a = await findAutoreply(db, positionals[0], values.name);
        const done = await setAutoreplyEnabled(db, a.id, action === 'enable');
        ctx.print(`autoreply "${done.name}" of ${displayAddress(done.mailbox)} ${action}d`);
        return;
      }
      case 'list': {
        const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
        const db = await ctx.db();
        const target = positionals[0];
        let rows = target?.includes('@') ? await listAutoreplies(db, { mailbox: target }) : await listAutoreplies(db);
        if (target && !target.includes('@')) {
          const domain = (await getDomain(db, target)).name; // an unknown domain is an error, not an empty list
          rows = rows.filter((a) => a.mailbox.endsWith(`@${domain}`) || displayAddress(a.mailbox).endsWith(`@${domain}`));
        }
        if (values.json) return ctx.printJson(rows);
        for (const a of rows) ctx.print(describe(a));
        return;
      }
      case 'del': {
        const { values, positionals } = parseFlags(argv, { name: { type: 'string' } });
        requirePositionals(positionals, 1, 'autoreply del <address> [--name N]');
        const db = await ctx.db();
        const a = await findAutoreply(db, positionals[0], values.name);
        await deleteAutoreply(db, a.id);
        ctx.print(`autoreply "${a.name}" of ${displayAddress(a.mailbox)} deleted`);
        return;
      }
      default:
        throw new UsageError('usage: mailhost autoreply set|enable|disable|list|del <address> ...');
    }
  },
};
