// The local copies of one message through LMTP, with the answers mapped for the whole message:
// every copy answered 250 -> done; any other answer (4xx, 5xx, Dovecot down or gone mid-way) ->
// the copies delivered so far are remembered (lmtpPartial) and the message is answered 4xx, so
// the sender retries and only the missing copies are sent again. A 5xx from Dovecot after we
// accepted the message (a mailbox it does not know, a message too big for it) is a disagreement
// between our tables and its configuration: retrying while an admin fixes it loses nothing.
import type { HostPort } from '../core';
import { sendOverLmtp, type LmtpCopy } from './lmtp';
import { recallPartial, rememberPartial, forgetPartial } from './lmtpPartial';

export class LmtpDeliveryError extends Error {}

export interface LmtpOutcome {
  /** the recipients delivered by this attempt */
  delivered: string[];
  /** a later step of the message failed (it gets 4xx): remember every copy delivered */
  remember(): Promise<void>;
  /** the message is through: forget what earlier attempts delivered */
  finished(): Promise<void>;
}

/**
 * Delivers the copies not delivered by an earlier attempt of the same message. Throws
 * LmtpDeliveryError (having remembered what got through) unless every copy got 250.
 */
export async function deliverCopiesByLmtp(server: HostPort, dataDir: string, original: Buffer, mailFrom: string, copies: LmtpCopy[]): Promise<LmtpOutcome> {
  const memory = await recallPartial(dataDir, original, mailFrom);
  const todo = copies.filter((c) => !memory.done.has(c.rcpt));
  const { delivered, error } = await sendOverLmtp(server, mailFrom, todo);
  const now = todo.slice(0, delivered).map((c) => c.rcpt);
  for (const r of now) memory.done.add(r);
  const remember = async () => {
    if (memory.done.size) await rememberPartial(memory);
  };
  if (error) {
    await remember();
    throw new LmtpDeliveryError(`${error.message} (${delivered} of ${todo.length} copies delivered, the others on the sender's retry)`);
  }
  return { delivered: now, remember, finished: () => forgetPartial(memory) };
}
