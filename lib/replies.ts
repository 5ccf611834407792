// SMTP replies for every decision we make, defined once: [basic code, enhanced status, text].
import type { RejectReason } from './resolve';

export interface Reply { code: number; dsn: string; text: string }

export const REPLIES = {
  malformed: { code: 501, dsn: '5.1.3', text: 'Bad recipient address syntax' },
  unknown: { code: 550, dsn: '5.1.1', text: 'No such user here' },
  disabled: { code: 550, dsn: '5.2.1', text: 'Mailbox disabled, not accepting messages' },
  over_quota: { code: 452, dsn: '4.2.2', text: 'Mailbox full, try again later' },
  loop: { code: 550, dsn: '5.4.6', text: 'Routing loop detected' },
  relay_denied: { code: 550, dsn: '5.7.1', text: 'Relaying denied: authentication required' },
  temporary: { code: 451, dsn: '4.3.0', text: 'Temporary local problem, try again later' },
  mail_loop: { code: 554, dsn: '5.4.6', text: 'Mail loop detected: already delivered to this mailbox' },
} satisfies Record<RejectReason | string, Reply>;

export function replyFor(reason: RejectReason | keyof typeof REPLIES): Reply {
  return REPLIES[reason];
}

/** "5.1.1 No such user here" - the text Haraka sends after the basic code. */
export function replyText(r: Reply, detail?: string): string {
  return `${r.dsn} ${detail ? `${r.text} (${detail})` : r.text}`;
}
