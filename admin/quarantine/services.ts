// What the quarantine pages need beyond the database: where the Maildirs are, how to send mail.
import type { MailSender } from '../../lib/quarantine';

export interface QuarantineServices {
  dataDir: string;
  send: MailSender;
}
