// Mail client settings as the configuration defines them: the host name, IMAP and POP3 ports
// (MAILHOST_MAIL_HOST, MAILHOST_IMAP_PORTS, MAILHOST_POP3_PORTS) and the submission listeners
// for sending (MAILHOST_SUBMISSION_LISTEN: STARTTLS; MAILHOST_SUBMISSION_TLS_LISTEN: SSL/TLS).
import type { Settings, PortSecurity } from '../core';

export interface ClientServer {
  protocol: 'imap' | 'pop3' | 'smtp';
  host: string;
  port: number;
  security: PortSecurity;
}

export interface MailClientSettings {
  /** incoming (IMAP first, then POP3) and outgoing (SMTP) servers; the login is the full address */
  incoming: ClientServer[];
  outgoing: ClientServer[];
  webmailUrl?: string;
}

export function mailClientSettings(settings: Settings): MailClientSettings {
  const { host, imap, pop3 } = settings.mailClients;
  const outgoing: ClientServer[] = [];
  if (settings.submissionListen) outgoing.push({ protocol: 'smtp', host, port: settings.submissionListen.port, security: 'starttls' });
  if (settings.submissionTlsListen) outgoing.push({ protocol: 'smtp', host, port: settings.submissionTlsListen.port, security: 'ssl' });
  return {
    incoming: [...imap.map((p) => ({ protocol: 'imap' as const, host, ...p })), ...pop3.map((p) => ({ protocol: 'pop3' as const, host, ...p }))],
    outgoing,
    webmailUrl: settings.webmailUrl,
  };
}
