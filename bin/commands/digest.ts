// `mailhost digest ...`: the quarantine reports (lib/quarantine digest). The Haraka master sends
// them on their schedule (plugin mailhost.digest); these commands send what is due now, or show
// what a mailbox would get.
import { command, type CommandGroup } from '../engine';
import { runDigests, previewDigest, renderDigest, describeDigestRun, smtpSender, linkSecret, publicBaseUrl } from '../../lib/quarantine';
import type { Db, Settings } from '../../lib/core';
import { mayChangeSenders } from '../../lib/accounts';

/** Secret and base URL of the links, the same as the admin's and Haraka's. */
function links(settings: Settings, db: Db) {
  return { secret: linkSecret(settings.dataDir), baseUrl: publicBaseUrl(settings), mayAcceptSenders: (id: number) => mayChangeSenders(db, id) };
}

export const digestCommand: CommandGroup = {
  name: 'digest',
  summary: 'quarantine reports with signed links (also sent by Haraka on their schedule)',
  commands: [
    command({
      name: 'run',
      help: 'send the reports that are due now (by SMTP to MAILHOST_RELAY, else the local Haraka)',
      flags: {
        mailbox: { type: 'string', arg: 'ADDRESS', help: 'only this mailbox' },
        force: { type: 'boolean', help: 'now, whatever the schedule: what was held since the previous report' },
      },
      async run({ flags, ctx }) {
        const db = await ctx.db();
        const r = await runDigests(db, { ...links(ctx.settings, db), send: smtpSender(ctx.settings), mailbox: flags.mailbox, force: flags.force });
        for (const line of describeDigestRun(r)) ctx.print(line);
        ctx.print(`${r.sent.length} report(s) sent, ${r.empty.length} mailbox(es) with nothing held, ${r.failed.length} failed`);
        if (r.failed.length) throw new Error(`${r.failed.length} report(s) not sent`);
      },
    }),
    command({
      name: 'show',
      help: 'print the report a mailbox would get now (nothing is sent)',
      positionals: [{ name: 'mailbox' }],
      async run({ args, ctx }) {
        const db = await ctx.db();
        const d = await previewDigest(db, args.mailbox, links(ctx.settings, db));
        const mail = renderDigest(d);
        ctx.print(`To: ${d.mailbox.to}`);
        ctx.print(`Subject: ${mail.subject}`);
        ctx.print(`Frequency: ${d.mailbox.frequency}`);
        ctx.print('');
        ctx.print(d.entries.length ? mail.text : '(nothing held: no report would be sent)');
      },
    }),
  ],
};
