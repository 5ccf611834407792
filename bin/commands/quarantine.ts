// `mailhost quarantine`: list, show, release, delete, report (false positive) and settings.
import { command, UsageError, type CommandGroup } from '../engine';
import {
  listQuarantine,
  previewQuarantined,
  fetchQuarantinedRaw,
  releaseQuarantined,
  deleteQuarantined,
  flagFalsePositive,
  getQuarantineSettings,
  setQuarantineSettings,
  type QuarantineRow,
} from '../../lib/quarantine';
import { getDomain } from '../../lib/directory';
import { learn } from '../../lib/spam';
import { displayAddress } from '../../lib/core';
import { json } from './common';

const ID = [{ name: 'id', type: 'int' }] as const;

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function rowJson(r: QuarantineRow) {
  return {
    id: r.id,
    mailbox: r.mailbox,
    received: new Date(r.received_ms).toISOString(),
    mail_from: r.mail_from,
    header_from: r.header_from,
    subject: r.subject,
    score: r.score,
    category: r.category,
    reasons: r.reasons,
    size: r.size,
    released: r.released,
    reported: r.reported,
  };
}

export const quarantineCommand: CommandGroup = {
  name: 'quarantine',
  summary: 'messages held back as spam, virus or newsletter',
  commands: [
    command({
      name: 'list',
      help: 'the quarantined messages, newest first, a page at a time',
      flags: {
        mailbox: { type: 'string', arg: 'A', help: 'of one mailbox' },
        domain: { type: 'string', arg: 'D', help: 'of one domain' },
        category: { type: 'string', arg: 'spam|virus|newsletter', help: 'of one category' },
        sender: { type: 'string', arg: 'S', help: 'whose sender contains S' },
        subject: { type: 'string', arg: 'S', help: 'whose subject contains S' },
        status: { type: 'enum', values: ['held', 'released', 'all'], help: 'held (default), released or all' },
        page: { type: 'int', help: 'page number (from 1)' },
        'per-page': { type: 'int', help: 'messages a page (1 to 500, default 15)' },
        json,
      },
      async run({ flags, ctx }) {
        const page = flags.page ?? 1;
        const perPage = flags['per-page'] ?? 15;
        if (page < 1 || perPage < 1 || perPage > 500) throw new UsageError('--page starts at 1, --per-page is 1 to 500');
        const db = await ctx.db();
        const { rows, total } = await listQuarantine(db, {
          mailbox: flags.mailbox,
          domain: flags.domain !== undefined ? (await getDomain(db, flags.domain)).id : undefined,
          category: flags.category,
          sender: flags.sender,
          subject: flags.subject,
          status: flags.status,
          limit: perPage,
          offset: (page - 1) * perPage,
        });
        if (flags.json) return ctx.printJson({ total, page, per_page: perPage, rows: rows.map(rowJson) });
        for (const r of rows) {
          const state = [r.released ? 'released' : 'held', r.reported ? 'reported' : ''].filter(Boolean).join(',');
          ctx.print(`${r.id}\t${when(r.received_ms)}\t${displayAddress(r.mailbox)}\t${r.category}\t${r.score.toFixed(1)}\t${r.mail_from || '<>'}\t${r.subject}\t${state}`);
        }
        ctx.print(`${total} message(s)${total > perPage ? `, page ${page} of ${Math.ceil(total / perPage)}` : ''}`);
      },
    }),
    command({
      name: 'show',
      help: 'a quarantined message: why, headers, text and attachments',
      positionals: ID,
      flags: { raw: { type: 'boolean', help: 'the message as received' }, json },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        if (flags.raw) {
          ctx.print((await fetchQuarantinedRaw(db, args.id)).toString('utf8'));
          return;
        }
        const p = await previewQuarantined(db, args.id);
        if (flags.json) return ctx.printJson({ ...rowJson(p.row), headers: p.headers, from: p.from, to: p.to, cc: p.cc, date: p.date, text: p.text, attachments: p.attachments });
        ctx.print(`#${p.row.id} for ${displayAddress(p.row.mailbox)}: ${p.row.category}, score ${p.row.score.toFixed(1)}${p.row.released ? ', released' : ''}`);
        ctx.print(`reasons: ${p.row.reasons.map((r) => `${r.rule}(${r.points})`).join(' ') || 'none'}`);
        ctx.print(`From: ${p.from}\nTo: ${p.to}${p.cc ? `\nCc: ${p.cc}` : ''}\nSubject: ${p.subject}\nDate: ${p.date ?? ''}`);
        for (const a of p.attachments) ctx.print(`attachment: ${a.filename || '(unnamed)'} ${a.contentType} ${a.size} bytes`);
        ctx.print('');
        ctx.print(p.text + (p.textTruncated ? '\n[...]' : ''));
      },
    }),
    command({
      name: 'release',
      help: 'deliver a quarantined message to its mailbox',
      positionals: ID,
      flags: { 'allow-sender': { type: 'boolean', help: "and put its sender on the mailbox's allow list" } },
      async run({ flags, args, ctx }) {
        const r = await releaseQuarantined(await ctx.db(), args.id, { dataDir: ctx.settings.dataDir, allowSender: flags['allow-sender'] });
        ctx.print(r.released ? `message ${args.id} released` : `message ${args.id} was already released`);
        if (r.allowed) ctx.print(`${r.allowed} added to the allow list`);
      },
    }),
    command({
      name: 'delete',
      aliases: ['del'],
      help: 'delete a quarantined message',
      positionals: ID,
      async run({ args, ctx }) {
        await deleteQuarantined(await ctx.db(), args.id);
        ctx.print(`message ${args.id} deleted`);
      },
    }),
    command({
      name: 'report',
      help: 'flag a false positive',
      positionals: ID,
      flags: { learn: { type: 'boolean', help: 'and teach the Bayes filter it is ham' } },
      async run({ flags, args, ctx }) {
        await flagFalsePositive(await ctx.db(), args.id, flags.learn ? { learn: (db, raw, as, o) => learn(db, raw, as, { scope: o.domainId }) } : {});
        ctx.print(`message ${args.id} flagged as a false positive${flags.learn ? ', learned as ham' : ''}`);
      },
    }),
    command({
      name: 'config',
      help: 'show or change the quarantine settings',
      flags: {
        'retention-days': { type: 'int', help: 'days a message is kept before purge removes it' },
        'max-size-kb': { type: 'int', help: 'larger messages go to Junk instead of quarantine' },
      },
      async run({ flags, ctx }) {
        const days = flags['retention-days'];
        const kb = flags['max-size-kb'];
        const db = await ctx.db();
        const s = days === undefined && kb === undefined ? await getQuarantineSettings(db) : await setQuarantineSettings(db, { retentionDays: days, maxSizeBytes: kb === undefined ? undefined : kb * 1024 });
        ctx.print(`retention ${s.retentionDays} days; messages over ${Math.round(s.maxSizeBytes / 1024)} KB go to Junk instead of quarantine`);
      },
    }),
  ],
};
