// The decisions of the submission port, step by step of an SMTP transaction from a logged-in
// mailbox: MAIL (suspension, sender ownership, messages per hour), RCPT (recipients per day),
// after DATA (header From ownership, our spam engine's score, the counters, suspension).
import { type Db, type Reply, type Settings, REPLIES } from '../core';
import type { Directory } from '../directory';
import { scoreMessage } from '../spam';
import type { Sender } from './auth';
import { ownsAddress } from './sender';
import { sendingLimits, sendingUsage, recordSending, messageLimitReply, recipientLimitReply, sendingSuspension, suspendedReply, suspendSending, type Suspension } from './limits';
import { noticeRecipients, buildSuspensionNotice, type Notice } from './notice';

export interface SubmissionContext {
  db: Db;
  dir: Directory;
  settings: Pick<Settings, 'sending' | 'postmaster'>;
}

const limitsOf = (ctx: SubmissionContext, s: Sender) => sendingLimits(ctx.db, { id: s.mailboxId, domainId: s.domainId }, ctx.settings.sending);

/** MAIL FROM: null when the transaction may go on, else the reply. `mailFrom` '' is the null sender. */
export async function checkMailFrom(ctx: SubmissionContext, sender: Sender, mailFrom: string, now = Date.now()): Promise<Reply | null> {
  const suspended = await sendingSuspension(ctx.db, sender.mailboxId, now);
  if (suspended) return suspendedReply(suspended, 550);
  if (mailFrom && !(await ownsAddress(ctx.dir, sender, mailFrom, { postmaster: ctx.settings.postmaster }))) return REPLIES.sender_not_owned;
  return messageLimitReply(await sendingUsage(ctx.db, sender.mailboxId, now), await limitsOf(ctx, sender));
}

/** RCPT TO: `count` is this transaction's recipients with this one. */
export async function checkDailyRecipients(ctx: SubmissionContext, sender: Sender, count: number, now = Date.now()): Promise<Reply | null> {
  return recipientLimitReply(await sendingUsage(ctx.db, sender.mailboxId, now), await limitsOf(ctx, sender), count);
}

export interface Judgement {
  reply: Reply | null;
  score?: number;
  /** set when this message's spam suspended the mailbox: the notice to queue (no recipients: none) */
  suspended?: Suspension;
  notice?: Notice;
}

/** After DATA: the header From, then the score; counts the message (as sent, or as spam). */
export async function judgeMessage(ctx: SubmissionContext, sender: Sender, msg: { raw: Buffer; headerFrom: string | null; recipients: number }, now = Date.now()): Promise<Judgement> {
  if (!msg.headerFrom || !(await ownsAddress(ctx.dir, sender, msg.headerFrom, { postmaster: ctx.settings.postmaster }))) return { reply: REPLIES.header_from_not_owned };
  const { spamScore, spamStrikes, suspendHours } = ctx.settings.sending;
  const verdict = await scoreMessage(ctx.db, msg.raw, { domainId: sender.domainId, threshold: spamScore });
  if (verdict.score < spamScore) {
    await recordSending(ctx.db, sender.mailboxId, { messages: 1, recipients: msg.recipients }, now);
    return { reply: null, score: verdict.score };
  }
  const usage = await recordSending(ctx.db, sender.mailboxId, { spam: 1 }, now);
  if (usage.spamThisHour < spamStrikes) return { reply: REPLIES.outbound_spam, score: verdict.score };
  const suspended = await suspendSending(ctx.db, sender.mailboxId, suspendHours, `${usage.spamThisHour} spam messages sent within an hour`, now);
  const to = await noticeRecipients(ctx.db, sender.mailboxId);
  const notice = to.length ? await buildSuspensionNotice(sender.address, suspended, to, new Date(now)) : undefined;
  return { reply: REPLIES.outbound_spam, score: verdict.score, suspended, notice };
}
