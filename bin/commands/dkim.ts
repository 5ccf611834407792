// `mailhost dkim ...`: the DKIM key of each domain, kept in the data dir, and its DNS record.
import { command, type CommandGroup } from '../engine';
import { getDomain } from '../../lib/directory';
import { addDkimKey, requireDkimKey, dkimDnsRecord, dkimZoneLine, DEFAULT_SELECTOR, DEFAULT_BITS } from '../../lib/submission';
import { json } from './common';

export const dkimCommand: CommandGroup = {
  name: 'dkim',
  summary: 'DKIM signing keys of the hosted domains (outgoing mail is signed with them)',
  commands: [
    command({
      name: 'add',
      help: 'generate the DKIM key of a hosted domain and print its DNS record',
      positionals: [{ name: 'domain' }],
      flags: {
        selector: { type: 'string', arg: 'S', help: `the DNS selector (default ${DEFAULT_SELECTOR})` },
        bits: { type: 'int', help: `RSA key size, 1024 to 4096 (default ${DEFAULT_BITS})` },
      },
      async run({ flags, args, ctx }) {
        const domain = await getDomain(await ctx.db(), args.domain);
        const key = await addDkimKey(ctx.settings.dataDir, domain.name, { selector: flags.selector, bits: flags.bits });
        ctx.print(`DKIM key of ${key.domain} added (selector ${key.selector}); publish this DNS record:`);
        ctx.print(dkimZoneLine(key));
      },
    }),
    command({
      name: 'show',
      help: 'print the DNS TXT record of a domain\'s DKIM key',
      positionals: [{ name: 'domain' }],
      flags: { json },
      async run({ flags, args, ctx }) {
        const key = requireDkimKey(ctx.settings.dataDir, args.domain);
        const record = dkimDnsRecord(key);
        if (flags.json) return ctx.printJson({ domain: key.domain, selector: key.selector, name: record.name, type: 'TXT', value: record.value });
        ctx.print(dkimZoneLine(key));
      },
    }),
  ],
};
