// `mailhost purge`: removes quarantined messages older than the retention and forgets rare
// Bayes tokens not learned for a long time (Haraka's master process also does this once a day).
import { UsageError, parseFlags, intFlag, type CommandGroup } from '../cli';
import { purgeAll, describePurge } from '../../lib/maintenance';
import { dayDate } from '../../lib/spam';

const USAGE = 'usage: mailhost purge [--days N] [--token-days N] [--json]';

export const purgeCommand: CommandGroup = {
  name: 'purge',
  summary: ['purge [--days N] [--token-days N] [--json]   (quarantine older than N days, default: the retention setting; rare Bayes tokens not learned for N days, default 180)'],
  async run(action, argv, ctx) {
    const args = action === undefined ? argv : [action, ...argv];
    const { values, positionals } = parseFlags(args, { days: { type: 'string' }, 'token-days': { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length) throw new UsageError(USAGE);
    const r = await purgeAll(await ctx.db(), { retentionDays: intFlag(values.days, '--days'), tokenMaxAgeDays: intFlag(values['token-days'], '--token-days') });
    if (values.json) {
      return ctx.printJson({
        rows: r.quarantine.rows,
        messages: r.quarantine.messages,
        before: new Date(r.quarantine.cutoffMs).toISOString(),
        bayes_tokens: r.bayes.tokens,
        bayes_before: dayDate(r.bayes.cutoffDay),
      });
    }
    for (const line of describePurge(r)) ctx.print(line);
  },
};
