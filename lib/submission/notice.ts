// The notice that a mailbox's sending was suspended for spam: to the owner's recovery address
// (mailboxes.recovery_email) and to the client who owns the domain (accounts.email), from
// postmaster@ of the mailbox's domain with the null envelope sender (nothing bounces back).
import MailComposer from 'nodemailer/lib/mail-composer';
import { type Db, tryParseAddress } from '../core';
import type { Suspension } from './limits';

export interface Notice { mailFrom: ''; rcptTo: string[]; raw: Buffer }

/** Where the notice goes (recovery address, domain's client), de-duplicated; may be empty. */
export async function noticeRecipients(db: Db, mailboxId: number): Promise<string[]> {
  const row = await db('mailboxes as m')
    .join('domains as d', 'd.id', 'm.domain_id')
    .leftJoin('accounts as a', 'a.id', 'd.client_id')
    .where('m.id', mailboxId)
    .first('m.recovery_email', 'a.email as client_email');
  const out: string[] = [];
  for (const v of [row?.recovery_email, row?.client_email]) {
    const a = v ? tryParseAddress(String(v)) : null;
    if (a && !out.includes(a.address)) out.push(a.address);
  }
  return out;
}

export async function buildSuspensionNotice(mailbox: string, suspension: Suspension, to: string[], now = new Date()): Promise<Notice> {
  const domain = mailbox.slice(mailbox.lastIndexOf('@') + 1);
  const until = new Date(suspension.until).toISOString().slice(0, 16).replace('T', ' ');
  const text = [
    `Sending from the mailbox ${mailbox} has been suspended until ${until} UTC.`,
    '',
    `Reason: ${suspension.reason}.`,
    '',
    'Messages sent from it were recognised as spam. This usually means that its password',
    'is known to someone else or that a device using it is infected. Please change the',
    'password of the mailbox and check the devices that send with it.',
    '',
    'Receiving mail is not affected. Your provider can lift the suspension earlier.',
    '',
    '--',
    `postmaster@${domain}`,
    '',
  ].join('\n');
  const composer = new MailComposer({
    from: { name: 'Postmaster', address: `postmaster@${domain}` },
    to: to.map((address) => ({ name: '', address })),
    subject: `Sending suspended for ${mailbox}`,
    date: now,
    text,
    headers: { 'Auto-Submitted': 'auto-generated', Precedence: 'bulk' },
    envelope: { from: '', to },
    newline: 'win',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return { mailFrom: '', rcptTo: to, raw: await composer.compile().build() };
}
