// `mailhost purge`: removes quarantined messages older than the retention (Haraka's master
// process also does this once a day).
import { UsageError, parseFlags, intFlag, type CommandGroup } from '../cli';
import { purgeQuarantine } from '../../lib/quarantine';

export const purgeCommand: CommandGroup = {
  name: 'purge',
  summary: ['purge [--days N] [--json]   (quarantine older than N days, default: the retention setting)'],
  async run(action, argv, ctx) {
    const args = action === undefined ? argv : [action, ...argv];
    const { values, positionals } = parseFlags(args, { days: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length) throw new UsageError('usage: mailhost purge [--days N] [--json]');
    const r = await purgeQuarantine(await ctx.db(), { retentionDays: intFlag(values.days, '--days') });
    if (values.json) return ctx.printJson({ rows: r.rows, messages: r.messages, before: new Date(r.cutoffMs).toISOString() });
    ctx.print(`purged ${r.rows} quarantined row(s) and ${r.messages} stored message(s) received before ${new Date(r.cutoffMs).toISOString()}`);
  },
};
