// `mailhost stats`: the daily counters (lib/stats) of one mailbox, one domain, or the whole server
// (a month rolled up is one line, its day being YYYY-MM); `mailhost stats rollup`: roll up now.
import { command, type CommandGroup } from '../engine';
import { COUNTERS, readDailyStats, rollupStats, describeRollup } from '../../lib/stats';
import { getMailbox, getDomain } from '../../lib/directory';
import { json } from './common';

export const statsCommand: CommandGroup = {
  name: 'stats',
  summary: 'statistics per day (counted by Haraka, written every few seconds)',
  commands: [
    command({
      help: 'daily counts: received, inbox, junk, quarantined, refused, forwarded, autoreplies, bytes',
      flags: {
        mailbox: { type: 'string', arg: 'ADDRESS', help: 'only this mailbox' },
        domain: { type: 'string', arg: 'DOMAIN', help: 'only this domain' },
        days: { type: 'int', help: 'the last N days, today included (default 7)' },
        json,
      },
      groups: [{ flags: ['mailbox', 'domain'] }],
      async run({ flags, ctx }) {
        const db = await ctx.db();
        const mailboxId = flags.mailbox ? (await getMailbox(db, flags.mailbox)).id : undefined;
        const domainId = flags.domain ? (await getDomain(db, flags.domain)).id : undefined;
        const rows = await readDailyStats(db, { mailboxId, domainId, days: flags.days });
        if (flags.json) return ctx.printJson(rows);
        ctx.print(['day', ...COUNTERS].join('\t'));
        for (const r of rows) ctx.print([r.day, ...COUNTERS.map((c) => r[c])].join('\t'));
      },
    }),
    command({
      name: 'rollup',
      help: 'sum the daily counters of whole months older than N days into one row per month (also done daily by Haraka)',
      flags: {
        'older-than': { type: 'int', arg: 'DAYS', help: 'months whose days are all older than this (default MAILHOST_STATS_DAILY_DAYS, 400)' },
        json,
      },
      async run({ flags, ctx }) {
        const r = await rollupStats(await ctx.db(), { olderThanDays: flags['older-than'] });
        if (flags.json) return ctx.printJson(r);
        ctx.print(describeRollup(r));
      },
    }),
  ],
};
