// Every SMTP reply our decisions give, defined once: [basic code, enhanced status, text].
// Plugins turn them into Haraka answers (plugins/common.ts `dsn`); nothing else defines one.

export interface Reply { code: number; dsn: string; text: string }

/** Why a recipient is refused by resolution (lib/directory). */
export type RejectReason = 'malformed' | 'unknown' | 'disabled' | 'over_quota' | 'loop';

export const REPLIES = {
  malformed: { code: 501, dsn: '5.1.3', text: 'Bad recipient address syntax' },
  unknown: { code: 550, dsn: '5.1.1', text: 'No such user here' },
  disabled: { code: 550, dsn: '5.2.1', text: 'Mailbox disabled, not accepting messages' },
  over_quota: { code: 452, dsn: '4.2.2', text: 'Mailbox full, try again later' },
  loop: { code: 550, dsn: '5.4.6', text: 'Routing loop detected' },
  relay_denied: { code: 550, dsn: '5.7.1', text: 'Relaying denied: authentication required' },
  temporary: { code: 451, dsn: '4.3.0', text: 'Temporary local problem, try again later' },
  mail_loop: { code: 554, dsn: '5.4.6', text: 'Mail loop detected: already delivered to this mailbox' },
  sender_blocked: { code: 550, dsn: '5.7.1', text: 'Sender blocked by the recipient' },
  spam_rejected: { code: 550, dsn: '5.7.1', text: 'Message refused as spam' },
  virus_rejected: { code: 550, dsn: '5.7.1', text: 'Message refused: it contains a virus' },
  // RFC 1870: a message over the size limit is 552, at MAIL (SIZE=) and after DATA
  too_big: { code: 552, dsn: '5.3.4', text: 'Message size exceeds fixed maximum message size' },
  too_many_header_lines: { code: 552, dsn: '5.3.4', text: 'Message header has too many lines' },
  // RFC 5321 4.5.3.1.10: the client sends the other recipients in a later transaction
  too_many_recipients: { code: 452, dsn: '4.5.3', text: 'Too many recipients' },
  // submission (RFC 4954, RFC 6409)
  auth_required: { code: 530, dsn: '5.7.0', text: 'Authentication required: log in with your mailbox address and password' },
  auth_temporary: { code: 454, dsn: '4.7.0', text: 'Temporary authentication failure, try again later' },
  auth_needs_tls: { code: 538, dsn: '5.7.11', text: 'Encryption required: use STARTTLS before AUTH' },
  auth_failed: { code: 535, dsn: '5.7.8', text: 'Authentication failed: wrong address or password, or the mailbox is disabled' },
  auth_throttled: { code: 454, dsn: '4.7.0', text: 'Too many failed logins: try again later' },
  sender_not_owned: { code: 553, dsn: '5.7.1', text: 'Sender address rejected: not owned by the authenticated mailbox' },
  header_from_not_owned: { code: 553, dsn: '5.7.1', text: 'From header address rejected: not owned by the authenticated mailbox' },
  outbound_spam: { code: 550, dsn: '5.7.1', text: 'Message refused: it looks like spam' },
} satisfies Record<RejectReason | string, Reply>;

export type ReplyName = keyof typeof REPLIES;
