// `mailhost dovecot config --out DIR`: writes a Dovecot configuration that reads our tables and
// Maildirs (lib/dovecot); run it with `dovecot -c DIR/dovecot.conf`.
import path from 'node:path';
import { command, type CommandGroup } from '../engine';
import { parseHostPort } from '../../lib/core';
import { writeDovecotConfig } from '../../lib/dovecot';

export const dovecotCommand: CommandGroup = {
  name: 'dovecot',
  summary: "Debian's Dovecot serving our mailboxes over IMAP and LMTP",
  commands: [
    command({
      name: 'config',
      help: 'write a Dovecot configuration that reads our database and Maildirs (run: dovecot -c DIR/dovecot.conf)',
      flags: {
        out: { type: 'string', arg: 'DIR', help: 'the directory to write (it also holds Dovecot\'s sockets, state and log)' },
        'imap-listen': { type: 'string', arg: 'HOST:PORT', help: 'IMAP listener (default 127.0.0.1:143)' },
        'lmtp-listen': { type: 'string', arg: 'HOST:PORT', help: 'LMTP on TCP, for MAILHOST_DELIVERY=lmtp://HOST:PORT (default: a socket in DIR/run only)' },
        'tls-cert': { type: 'string', arg: 'FILE', help: 'PEM certificate for IMAP STARTTLS (with --tls-key)' },
        'tls-key': { type: 'string', arg: 'FILE', help: 'PEM private key of --tls-cert' },
      },
      groups: [{ flags: ['out'], required: true }],
      async run({ flags, ctx, usage }) {
        if (!flags['tls-cert'] !== !flags['tls-key']) throw usage();
        const dir = path.resolve(flags.out!);
        const files = writeDovecotConfig({
          dir,
          db: ctx.settings.db,
          dataDir: ctx.settings.dataDir,
          imapListen: parseHostPort(flags['imap-listen'] ?? '127.0.0.1:143', '--imap-listen'),
          lmtpListen: flags['lmtp-listen'] ? parseHostPort(flags['lmtp-listen'], '--lmtp-listen') : undefined,
          tls: flags['tls-cert'] ? { cert: path.resolve(flags['tls-cert']), key: path.resolve(flags['tls-key']!) } : undefined,
        });
        for (const f of files) ctx.print(`wrote ${f}`);
        ctx.print(`start it with: dovecot -c ${path.join(dir, 'dovecot.conf')}`);
      },
    }),
  ],
};
