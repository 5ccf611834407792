// `mailhost purge`: removes quarantined messages older than the retention, forgets rare
// Bayes tokens not learned for a long time, removes Maildir tmp/ files older than 36 hours and
// rolls up old statistics by month (Haraka's master process also does this once a day).
import { command, type CommandGroup } from '../engine';
import { purgeAll, describePurge } from '../../lib/maintenance';
import { dayDate } from '../../lib/spam';
import { json } from './common';

export const purgeCommand: CommandGroup = {
  name: 'purge',
  summary: 'housekeeping (also done once a day by Haraka)',
  commands: [
    command({
      help: 'remove old quarantined messages, forget rare Bayes tokens, remove stale Maildir tmp files, roll up old statistics',
      flags: {
        days: { type: 'int', help: 'quarantine older than N days (default: the retention setting)' },
        'token-days': { type: 'int', help: 'rare Bayes tokens not learned for N days (default 180)' },
        json,
      },
      async run({ flags, ctx }) {
        const r = await purgeAll(await ctx.db(), { retentionDays: flags.days, tokenMaxAgeDays: flags['token-days'], dataDir: ctx.settings.dataDir });
        if (flags.json) {
          return ctx.printJson({
            rows: r.quarantine.rows,
            messages: r.quarantine.messages,
            before: new Date(r.quarantine.cutoffMs).toISOString(),
            bayes_tokens: r.bayes.tokens,
            bayes_learned: r.bayes.learned,
            bayes_before: dayDate(r.bayes.cutoffDay),
            maildir_tmp_files: r.maildirTmp?.files ?? 0,
            stats_months_rolled_up: r.stats.months.map((m) => m.month),
          });
        }
        for (const line of describePurge(r)) ctx.print(line);
      },
    }),
  ],
};
