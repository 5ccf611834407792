// `mailhost ticket list`: the help desk's tickets (lib/helpdesk), as the ISP sees them: all of them.
import { command, type CommandGroup } from '../engine';
import { listTickets, TICKET_STATUSES } from '../../lib/helpdesk';
import type { Principal } from '../../lib/accounts';
import { json } from './common';

/** The operator at the console reaches every ticket, like an admin. */
const OPERATOR: Principal = { role: 'admin', id: 0, username: 'operator', name: 'operator', language: null };

export const ticketCommand: CommandGroup = {
  name: 'ticket',
  summary: 'help desk tickets opened by mailbox owners and clients',
  commands: [
    command({
      name: 'list',
      help: 'the tickets, latest activity first',
      flags: {
        status: { type: 'enum', values: [...TICKET_STATUSES], help: 'only the open or the closed ones' },
        json,
      },
      async run({ flags, ctx }) {
        const tickets = await listTickets(await ctx.db(), OPERATOR, { status: flags.status as (typeof TICKET_STATUSES)[number] | undefined });
        const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
        if (flags.json) {
          return ctx.printJson(
            tickets.map((t) => ({ id: t.id, subject: t.subject, category: t.category, status: t.status, opener: t.opener, last_side: t.lastSide, created: iso(t.createdMs), updated: iso(t.updatedMs), closed: iso(t.closedMs) })),
          );
        }
        if (!tickets.length) return ctx.print('no ticket');
        for (const t of tickets) ctx.print(`#${t.id}\t${t.status}\t${t.category}\t${t.opener}\t${iso(t.updatedMs)}\t${t.subject}`);
      },
    }),
  ],
};
