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
} satisfies Record<RejectReason | string, Reply>;

export type ReplyName = keyof typeof REPLIES;
