// `mailhost sending ...`: outbound abuse limits of authenticated senders (defaults in the
// environment, MAILHOST_SEND_*; overrides per domain and per mailbox here).
import { command, type CommandGroup } from '../engine';
import { getMailbox } from '../../lib/directory';
import { setLimitsFor, parseLimit, sendingLimits, sendingUsage, sendingSuspension } from '../../lib/submission';
import { json } from './common';

export const sendingCommand: CommandGroup = {
  name: 'sending',
  summary: 'outbound limits of mailboxes that send through the submission port',
  commands: [
    command({
      name: 'limits',
      help: 'override the limits of a domain or a mailbox ("default": inherit)',
      audit: 'update',
      positionals: [{ name: 'domain|address', label: '<domain|address>' }],
      flags: {
        'per-hour': { type: 'string', arg: 'N|default', help: 'messages per hour' },
        'rcpt-per-day': { type: 'string', arg: 'N|default', help: 'recipients per 24 hours' },
      },
      async run({ flags, args, ctx }) {
        const target = args['domain|address'];
        await setLimitsFor(await ctx.db(), target, { perHour: parseLimit(flags['per-hour'], 'per-hour'), rcptPerDay: parseLimit(flags['rcpt-per-day'], 'rcpt-per-day') });
        ctx.print(`sending limits of ${target} updated`);
      },
    }),
    command({
      name: 'show',
      help: "a mailbox's limits, what it sent, and its suspension",
      positionals: [{ name: 'address' }],
      flags: { json },
      async run({ flags, args, ctx }) {
        const db = await ctx.db();
        const mb = await getMailbox(db, args.address);
        const limits = await sendingLimits(db, { id: mb.id, domainId: mb.domain_id }, ctx.settings.sending);
        const usage = await sendingUsage(db, mb.id);
        const suspension = await sendingSuspension(db, mb.id);
        const until = suspension ? new Date(suspension.until).toISOString() : null;
        if (flags.json) return ctx.printJson({ address: mb.address, limits, usage, suspended_until: until, reason: suspension?.reason ?? null });
        ctx.print(`${mb.address}: ${usage.messagesThisHour}/${limits.perHour} messages this hour, ${usage.recipientsToday}/${limits.rcptPerDay} recipients in 24 h`);
        ctx.print(suspension ? `sending suspended until ${until} (${suspension.reason})` : 'sending ok');
      },
    }),
  ],
};
