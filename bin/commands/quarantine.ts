// `mailhost quarantine`: list, show, release, delete, report (false positive) and settings.
import { UsageError, parseFlags, intFlag, requirePositionals, type CommandGroup } from '../cli';
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

function idArg(positionals: string[], usage: string): number {
  requirePositionals(positionals, 1, usage);
  if (positionals.length > 1 || !/^\d+$/.test(positionals[0])) throw new UsageError(`usage: mailhost ${usage}`);
  return Number(positionals[0]);
}

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
  summary: [
    'quarantine list [--mailbox A | --domain D] [--category spam|virus|newsletter] [--sender S] [--subject S] [--status held|released|all] [--page N] [--per-page N] [--json]',
    'quarantine show <id> [--raw] [--json]',
    'quarantine release <id> [--allow-sender]',
    'quarantine delete <id>',
    'quarantine report <id> [--learn]   (flag a false positive; --learn teaches the filter it is ham)',
    'quarantine config [--retention-days N] [--max-size-kb N]',
  ],
  async run(action, argv, ctx) {
    switch (action) {
      case 'list': {
        const { values, positionals } = parseFlags(argv, {
          mailbox: { type: 'string' },
          domain: { type: 'string' },
          category: { type: 'string' },
          sender: { type: 'string' },
          subject: { type: 'string' },
          status: { type: 'string' },
          page: { type: 'string' },
          'per-page': { type: 'string' },
          json: { type: 'boolean' },
        });
        if (positionals.length) throw new UsageError('usage: mailhost quarantine list [--mailbox A | --domain D] [...]');
        if (values.status !== undefined && !['held', 'released', 'all'].includes(values.status)) throw new UsageError('--status takes held, released or all');
        const page = intFlag(values.page, '--page') ?? 1;
        const perPage = intFlag(values['per-page'], '--per-page') ?? 15;
        if (page < 1 || perPage < 1 || perPage > 500) throw new UsageError('--page starts at 1, --per-page is 1 to 500');
        const db = await ctx.db();
        const { rows, total } = await listQuarantine(db, {
          mailbox: values.mailbox,
          domain: values.domain !== undefined ? (await getDomain(db, values.domain)).id : undefined,
          category: values.category,
          sender: values.sender,
          subject: values.subject,
          status: values.status as 'held' | 'released' | 'all' | undefined,
          limit: perPage,
          offset: (page - 1) * perPage,
        });
        if (values.json) return ctx.printJson({ total, page, per_page: perPage, rows: rows.map(rowJson) });
        for (const r of rows) {
          const flags = [r.released ? 'released' : 'held', r.reported ? 'reported' : ''].filter(Boolean).join(',');
          ctx.print(`${r.id}\t${when(r.received_ms)}\t${displayAddress(r.mailbox)}\t${r.category}\t${r.score.toFixed(1)}\t${r.mail_from || '<>'}\t${r.subject}\t${flags}`);
        }
        ctx.print(`${total} message(s)${total > perPage ? `, page ${page} of ${Math.ceil(total / perPage)}` : ''}`);
        return;
      }
      case 'show': {
        const { values, positionals } = parseFlags(argv, { raw: { type: 'boolean' }, json: { type: 'boolean' } });
        const id = idArg(positionals, 'quarantine show <id> [--raw] [--json]');
        const db = await ctx.db();
        if (values.raw) {
          ctx.print((await fetchQuarantinedRaw(db, id)).toString('utf8'));
          return;
        }
        const p = await previewQuarantined(db, id);
        if (values.json) return ctx.printJson({ ...rowJson(p.row), headers: p.headers, from: p.from, to: p.to, cc: p.cc, date: p.date, text: p.text, attachments: p.attachments });
        ctx.print(`#${p.row.id} for ${displayAddress(p.row.mailbox)}: ${p.row.category}, score ${p.row.score.toFixed(1)}${p.row.released ? ', released' : ''}`);
        ctx.print(`reasons: ${p.row.reasons.map((r) => `${r.rule}(${r.points})`).join(' ') || 'none'}`);
        ctx.print(`From: ${p.from}\nTo: ${p.to}${p.cc ? `\nCc: ${p.cc}` : ''}\nSubject: ${p.subject}\nDate: ${p.date ?? ''}`);
        for (const a of p.attachments) ctx.print(`attachment: ${a.filename || '(unnamed)'} ${a.contentType} ${a.size} bytes`);
        ctx.print('');
        ctx.print(p.text + (p.textTruncated ? '\n[...]' : ''));
        return;
      }
      case 'release': {
        const { values, positionals } = parseFlags(argv, { 'allow-sender': { type: 'boolean' } });
        const id = idArg(positionals, 'quarantine release <id> [--allow-sender]');
        const r = await releaseQuarantined(await ctx.db(), id, { dataDir: ctx.settings.dataDir, allowSender: values['allow-sender'] });
        ctx.print(r.released ? `message ${id} released` : `message ${id} was already released`);
        if (r.allowed) ctx.print(`${r.allowed} added to the allow list`);
        return;
      }
      case 'delete':
      case 'del': {
        const { positionals } = parseFlags(argv, {});
        const id = idArg(positionals, 'quarantine delete <id>');
        await deleteQuarantined(await ctx.db(), id);
        ctx.print(`message ${id} deleted`);
        return;
      }
      case 'report': {
        const { values, positionals } = parseFlags(argv, { learn: { type: 'boolean' } });
        const id = idArg(positionals, 'quarantine report <id> [--learn]');
        await flagFalsePositive(await ctx.db(), id, values.learn ? { learn: (db, raw, as, o) => learn(db, raw, as, { scope: o.domainId }) } : {});
        ctx.print(`message ${id} flagged as a false positive${values.learn ? ', learned as ham' : ''}`);
        return;
      }
      case 'config': {
        const { values, positionals } = parseFlags(argv, { 'retention-days': { type: 'string' }, 'max-size-kb': { type: 'string' } });
        if (positionals.length) throw new UsageError('usage: mailhost quarantine config [--retention-days N] [--max-size-kb N]');
        const days = intFlag(values['retention-days'], '--retention-days');
        const kb = intFlag(values['max-size-kb'], '--max-size-kb');
        const db = await ctx.db();
        const s = days === undefined && kb === undefined ? await getQuarantineSettings(db) : await setQuarantineSettings(db, { retentionDays: days, maxSizeBytes: kb === undefined ? undefined : kb * 1024 });
        ctx.print(`retention ${s.retentionDays} days; messages over ${Math.round(s.maxSizeBytes / 1024)} KB go to Junk instead of quarantine`);
        return;
      }
      default:
        throw new UsageError('usage: mailhost quarantine list|show|release|delete|report|config ...');
    }
  },
};
