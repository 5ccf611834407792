// mailhost.autoreply - autoresponders (lib/autoreply).
//   data_post: Plesk's "forward while away": adds the forward address of each active
//              autoreply as an external target, so mailhost.deliver forwards it durably.
//   queue_ok:  runs only once the message is durably accepted; answers once per active
//              autoreply of each final local target whose copy goes to the inbox, unless a
//              suppression rule holds, within the shared per-day memory, through Haraka's
//              outbound queue with the null sender (routed via MAILHOST_RELAY by mailhost.deliver).
// The client's 250 waits for one indexed query (is anybody here away?) and, when somebody is,
// for the message to be read; the replies are then planned and queued right after the answer
// (a fault is logged: the mail itself is already safe).
import { type Settings, withTimeout } from '../lib/core';
import type { MailhostNotes } from '../lib/delivery';
import { planReplies, addAwayForwards, anyActive, type PlannedReply } from '../lib/autoreply';
import { statsRecorder } from '../lib/stats';
import { pluginSettings, pluginDb, guardedOurMail, envelopeAddress, messageBuffer, queueOutbound } from './common';

export function register(this: Haraka.Plugin): void {
  this.settings = pluginSettings(this);
  this.register_hook('data_post', 'away_forwards');
  this.register_hook('queue_ok', 'send_autoreplies');
}

export function away_forwards(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  guardedOurMail(this, next, connection, async (txn, notes, answer) => {
    const db = pluginDb(this.settings as Settings);
    // the message is read only when an active autoreply forwards
    const added = await withTimeout(addAwayForwards(db, notes, () => messageBuffer(txn), new Date(), txn.header.get_all('Delivered-To')), 15000);
    if (added.length) txn.results.add(this, { msg: `away forward: ${added.map((a) => `${a.mailbox} -> ${a.forwardTo}`).join(', ')}` });
    answer();
  });
}

/** Queues one reply on Haraka's outbound queue with the null sender; resolves once it is on disk. */
export function queueReply(plugin: Haraka.Plugin, reply: PlannedReply): Promise<void> {
  return queueOutbound(plugin, '', reply.reply.rcptTo, reply.reply.raw);
}

async function answerMessage(plugin: Haraka.Plugin, uuid: string, input: { notes: MailhostNotes; mailFrom: string; message: Buffer }): Promise<void> {
  const db = pluginDb(plugin.settings as Settings);
  const plan = await withTimeout(planReplies({ db, ...input }), 30000);
  for (const s of plan.skipped) plugin.loginfo(`${uuid} no reply from ${s.mailbox} (autoreply ${s.autoreplyId ?? '-'}): ${s.reason}`);
  let sent = 0;
  for (const r of plan.replies) {
    try {
      await queueReply(plugin, r);
      sent++;
      statsRecorder(db).autoreply(r.mailbox);
      plugin.loginfo(`${uuid} reply from ${r.mailbox} (autoreply ${r.autoreplyId}) queued to ${r.to}`);
    } catch (err) {
      plugin.logerror(`${uuid} reply from ${r.mailbox} (autoreply ${r.autoreplyId}) to ${r.to} failed: ${(err as Error).message}`);
    }
  }
  plugin.loginfo(`${uuid} autoreplies done: ${sent} sent, ${plan.skipped.length} skipped (worker ${process.pid})`);
}

export function send_autoreplies(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  guardedOurMail(this, next, connection, async (txn, notes, answer) => {
    // one indexed query: most messages reach nobody who is away, and are not read again
    const uuid = txn.uuid;
    if (!(await withTimeout(anyActive(pluginDb(this.settings as Settings), notes), 10000))) {
      this.loginfo(`${uuid} autoreplies done: 0 sent, 0 skipped (nobody away)`);
      return answer();
    }
    const input = { notes, mailFrom: envelopeAddress(txn.mail_from), message: await messageBuffer(txn) };
    answer(); // the message is safe: let the client have its 250 now
    answerMessage(this, uuid, input).catch((err: Error) => this.logerror(`${uuid} autoreplies failed: ${err?.stack || err}`));
  });
}
