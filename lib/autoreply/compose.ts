// The reply itself (RFC 3834): envelope sender <>, From the mailbox with its label, To the
// correspondent, Auto-Submitted: auto-replied, In-Reply-To/References from the original,
// Precedence: bulk, our loop headers, MIME-encoded by nodemailer's MailComposer (UTF-8,
// encoded words in headers, quoted-printable bodies), text or HTML with a text part, and
// attachments from the pool. Every header value is reduced to one line here as well as
// at save time, so no field can inject a header.
import crypto from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { defaultSubject } from './i18n';
import { oneLine, htmlToText } from './text';
import { LOOP_HEADER } from './suppress';
import type { Autoreply } from './store';

export interface OriginalMessage {
  subject?: string | null; // decoded
  messageId?: string | null;
  references?: string | string[] | null;
}

export interface ReplyAttachment {
  filename: string;
  content_type: string;
  content: Buffer;
}

export interface ReplyInput {
  autoreply: Pick<Autoreply, 'id' | 'subject' | 'reply_to' | 'body_text' | 'body_html'>;
  mailbox: { address: string; name?: string | null; language?: string | null };
  to: string; // the correspondent
  original: OriginalMessage;
  attachments?: ReplyAttachment[];
  now?: Date;
}

export interface BuiltReply {
  mailFrom: ''; // always the null sender (RFC 3834 3.1.5): nothing answers an autoreply
  rcptTo: string[];
  raw: Buffer;
}

const MSGID = /<[!-;=?-~]{1,250}>/g; // printable ASCII without < and >

export function messageIds(values: string | string[] | null | undefined): string[] {
  const list = Array.isArray(values) ? values : values ? [values] : [];
  return list.flatMap((v) => String(v).match(MSGID) ?? []);
}

/** The reply's subject: the configured one, else "Re: <incoming subject>", else the translated default. */
export function replySubject(configured: string | null | undefined, incoming: string | null | undefined, language?: string | null): string {
  const own = oneLine(configured ?? '');
  if (own) return own;
  const orig = oneLine(incoming ?? '');
  if (!orig) return defaultSubject(language);
  return /^re\s*:/i.test(orig) ? orig : `Re: ${orig}`;
}

/** References of a reply (RFC 5322 3.6.4): the original's References then its Message-ID, bounded. */
export function replyReferences(original: OriginalMessage): { inReplyTo?: string; references: string[] } {
  const own = messageIds(original.messageId ?? null)[0];
  const refs = [...messageIds(original.references ?? null), ...(own ? [own] : [])];
  const unique = refs.filter((r, i) => refs.indexOf(r) === i);
  const bounded = unique.length > 20 ? [unique[0], ...unique.slice(-19)] : unique;
  return { inReplyTo: own, references: bounded };
}

export async function buildReply(input: ReplyInput): Promise<BuiltReply> {
  const { autoreply: ar, mailbox } = input;
  const now = input.now ?? new Date();
  const domain = mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1);
  const { inReplyTo, references } = replyReferences(input.original);
  const html = ar.body_html && ar.body_html.trim() ? ar.body_html : null;
  const text = ar.body_text && ar.body_text.trim() ? ar.body_text : html ? htmlToText(html) : '';
  const to = oneLine(input.to);
  const composer = new MailComposer({
    from: { name: oneLine(mailbox.name ?? ''), address: oneLine(mailbox.address) },
    to: [{ name: '', address: to }],
    replyTo: ar.reply_to ? oneLine(ar.reply_to) : undefined,
    subject: replySubject(ar.subject, input.original.subject, mailbox.language),
    messageId: `<autoreply.${ar.id}.${crypto.randomBytes(9).toString('hex')}@${domain}>`,
    date: now,
    inReplyTo,
    references: references.length ? references : undefined,
    text: text.replace(/\r\n?/g, '\n'),
    html: html ?? undefined,
    attachments: (input.attachments ?? []).map((a) => ({ filename: oneLine(a.filename), contentType: oneLine(a.content_type), content: a.content })),
    headers: {
      'Auto-Submitted': 'auto-replied',
      Precedence: 'bulk',
      'X-Loop': oneLine(mailbox.address),
      [LOOP_HEADER]: 'yes',
      'X-Auto-Response-Suppress': 'All', // Exchange and Outlook: do not answer this answer
    },
    envelope: { from: '', to: [to] },
    newline: 'win', // CRLF throughout
    disableFileAccess: true, // content only ever comes from the database
    disableUrlAccess: true,
  });
  const raw = await composer.compile().build();
  return { mailFrom: '', rcptTo: [to], raw };
}
