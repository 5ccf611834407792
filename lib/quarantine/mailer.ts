// Mail the quarantine space sends itself (digests, review notices, release answers), composed
// by nodemailer's MailComposer and handed over by SMTP: to MAILHOST_RELAY when set (the
// smarthost every outbound message takes), else to the local Haraka, which files it like any
// other message. Used from the admin, the CLI and the Haraka master alike.
import MailComposer from 'nodemailer/lib/mail-composer';
import nodemailer from 'nodemailer';
import type { Settings } from '../core';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** envelope sender; default the null sender (nobody answers a notice) */
  envelopeFrom?: string;
}

/** Hands one message over; resolves once the next hop accepted it. */
export type MailSender = (mail: OutgoingMail) => Promise<void>;

export async function composeMail(mail: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: { 'Auto-Submitted': 'auto-generated', Precedence: 'bulk' },
  });
  return composer.compile().build();
}

/** The SMTP next hop of mail we generate: the relay, else our own SMTP listener. */
export function nextHop(settings: Settings): { host: string; port: number } {
  return settings.relay ?? settings.smtpListen;
}

export function smtpSender(settings: Settings): MailSender {
  return async (mail) => {
    const hop = nextHop(settings);
    const transport = nodemailer.createTransport({ host: hop.host, port: hop.port, secure: false, ignoreTLS: true, connectionTimeout: 15000 });
    try {
      const raw = await composeMail(mail);
      await transport.sendMail({ envelope: { from: mail.envelopeFrom ?? '', to: [mail.to] }, raw });
    } finally {
      transport.close();
    }
  };
}
