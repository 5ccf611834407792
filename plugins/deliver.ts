// mailhost.deliver - after DATA: refuses mail loops (554 5.4.6); at queue: carries out each
// final target's fate (lib/delivery) and answers OK only once every copy is durably stored,
// else DENYSOFT so the sender retries. Also routes all outbound mail via MAILHOST_RELAY.
import cluster from 'node:cluster';
import { deliverMessage, loopingTargets, type DeliveryContext, type DeliveryReport, finalTargets, type MailhostNotes, nearlyFull, claimQuotaWarning, rearmQuotaWarning, quotaNotice } from '../lib/delivery';
import { srsSecret, type Settings, REPLIES } from '../lib/core';
import { quarantineStore, smtpSender } from '../lib/quarantine';
import { addWarning } from '../lib/policy';
import { statsRecorder, stopStats } from '../lib/stats';
import { stopUsage } from '../lib/directory';
import { constants, pluginSettings, pluginDb, guardedOurMail, dsn, envelopeAddress, messageBuffer } from './common';

export function register(this: Haraka.Plugin): void {
  this.settings = pluginSettings(this);
  this.outboundQueueLoaded = watchOutboundQueueLoad(this);
  this.register_hook('data_post', 'refuse_mail_loops');
  this.register_hook('queue', 'deliver');
  this.register_hook('queue_outbound', 'deliver_authenticated');
}

/** A target whose mailbox (or forwarding address) is already in Delivered-To would loop. */
export function refuse_mail_loops(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  guardedOurMail(this, next, connection, async (txn, notes, answer) => {
    const all = finalTargets(notes);
    const looping = loopingTargets(all, txn.header.get_all('Delivered-To'));
    if (!looping.length) return answer();
    if (looping.length === all.length) {
      txn.results.add(this, { fail: 'mail_loop' });
      return answer(constants.deny, dsn(REPLIES.mail_loop));
    }
    for (const t of looping) notes.fates[t.key] = { action: 'drop', reason: 'mail loop' };
    txn.results.add(this, { msg: `dropped looping targets: ${looping.map((t) => t.key).join(',')}` });
    answer();
  });
}

const CRLF = Buffer.from('\r\n');
const DOT = Buffer.from('.');

/**
 * The message as the lines of an SMTP DATA (CRLF kept, a leading "." doubled), which is how a
 * Haraka transaction holds them. Bytes are kept as they are: 8-bit text in any charset.
 */
export function dataLines(message: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let start = 0; start < message.length; ) {
    const nl = message.indexOf(0x0a, start);
    const end = nl < 0 ? message.length : nl + 1;
    let line = message.subarray(start, end);
    if (nl < 0) line = Buffer.concat([line, CRLF]);
    if (line[0] === 0x2e) line = Buffer.concat([DOT, line]);
    out.push(line);
    start = end;
  }
  return out;
}

/** Built once per process, on first use (the SRS secret may be generated then). */
function deliveryContext(plugin: Haraka.Plugin): DeliveryContext {
  if (plugin.deliveryContext) return plugin.deliveryContext as DeliveryContext;
  const settings = plugin.settings as Settings;
  const db = pluginDb(settings);
  const ctx: DeliveryContext = {
    db,
    dataDir: settings.dataDir,
    srsSecret: srsSecret(settings),
    sendExternal: (from, to, message) => sendViaOutbound(plugin, from, to, message),
    storeQuarantine: quarantineStore(db),
    addWarning,
    lmtp: settings.delivery.kind === 'lmtp' ? settings.delivery.lmtp : undefined,
    log: (line) => plugin.logerror(line),
  };
  plugin.deliveryContext = ctx;
  return ctx;
}

/**
 * Queues a message on Haraka's outbound queue; resolves once it is on disk. The transaction is
 * built here, line by line from the bytes: outbound.send_email would decode the message as
 * UTF-8 and damage any other 8-bit charset (ISO-8859-1 French mail) and DKIM signatures.
 */
export function sendViaOutbound(plugin: Haraka.Plugin, from: string, to: string[], message: Buffer): Promise<void> {
  // loaded here, not at register(): haraka-test-fixtures has no outbound module
  const outbound = plugin.haraka_require('outbound');
  // Haraka's own Address class in postel mode: an SRS sender may exceed 64 characters
  const AddressClass = plugin.AddressClass as (new (a: string, o?: object) => Haraka.Address) | undefined;
  if (!AddressClass) throw new Error('outbound: no Address class yet (no transaction seen)');
  const txn = plugin.haraka_require('transaction').createTransaction(undefined, plugin.config.get('smtp.ini', { booleans: ['+headers.add_received'] }));
  txn.mail_from = new AddressClass(from ? `<${from}>` : '<>', { postel: true });
  txn.rcpt_to = to.map((a) => new AddressClass(`<${a}>`));
  for (const line of dataLines(message)) txn.add_data(line);
  txn.message_stream.add_line_end();
  return new Promise((resolve, reject) => {
    outbound.send_trans_email(txn, (code: number, msg: string) => (code === constants.ok ? resolve() : reject(new Error(`outbound refused: ${msg}`))));
  });
}

/**
 * A single Haraka process listens before it loads its outbound queue from disk: a forward queued
 * in between is in the queue directory when the load reads it, so it would be sent twice. This
 * process's queue load is watched (wrapping outbound.init_queue, which the server calls once);
 * until it is done, a message that forwards anything answers 4xx and is sent again moments later.
 * Cluster workers load their queue otherwise (by pid): nothing to wait for there.
 */
export function watchOutboundQueueLoad(plugin: Haraka.Plugin): () => boolean {
  if (cluster.isWorker) return () => true;
  let outbound: { init_queue?: (...a: unknown[]) => Promise<unknown> };
  try {
    outbound = plugin.haraka_require('outbound');
  } catch {
    return () => true; // no outbound module (test fixtures): no queue to load
  }
  const load = outbound.init_queue;
  if (typeof load !== 'function') return () => true;
  let loaded = false;
  outbound.init_queue = async (...args: unknown[]) => {
    try {
      return await load.apply(outbound, args);
    } finally {
      loaded = true;
      outbound.init_queue = load;
    }
  };
  return () => loaded;
}

const forwardsAnything = (notes: MailhostNotes) => !!notes.remote?.length || finalTargets(notes).some((t) => t.target.kind === 'external' && notes.fates[t.key]?.action !== 'drop');

/** Carries out every target's fate; returns the message it read (the relay path sends it on). */
async function deliverAll(plugin: Haraka.Plugin, txn: Haraka.Transaction, notes: MailhostNotes): Promise<Buffer> {
  plugin.AddressClass ??= txn.mail_from.constructor;
  if (forwardsAnything(notes) && !(plugin.outboundQueueLoaded as () => boolean)()) throw new Error('outbound queue not loaded yet: try again'); // guarded() answers 451
  const message = await messageBuffer(txn);
  const report = await deliverMessage(deliveryContext(plugin), { message, mailFrom: envelopeAddress(txn.mail_from), notes });
  statsRecorder(deliveryContext(plugin).db).delivered(notes, report, message.length);
  warnNearlyFull(plugin, notes, report, message.length); // not awaited: the answer never waits for it
  txn.results.add(plugin, { pass: 'delivered', local: report.local.length, forwarded: report.forwarded.length, quarantined: report.quarantined.length, dropped: report.dropped.length });
  return message;
}

/**
 * The 90 % quota warning of each mailbox this delivery may have taken over the threshold
 * (lib/delivery decides and claims it). Runs after the message is stored, without being
 * waited for; a failure is logged, changes nothing for the message, and gives the claim back.
 */
function warnNearlyFull(plugin: Haraka.Plugin, notes: MailhostNotes, report: DeliveryReport, size: number): void {
  const stored = new Set(report.local.map((l) => l.address));
  const candidates = new Map<number, string>();
  for (const t of finalTargets(notes)) {
    if (t.target.kind !== 'local' || !stored.has(t.target.mailbox.address)) continue;
    const mb = t.target.mailbox; // usage as read at RCPT, plus this copy: most deliveries stop here
    if (nearlyFull(mb.quota_mb, mb.used_bytes + size)) candidates.set(mb.id, mb.address);
  }
  if (!candidates.size) return;
  const ctx = deliveryContext(plugin);
  plugin.quotaSender ??= smtpSender(plugin.settings as Settings);
  const send = plugin.quotaSender as ReturnType<typeof smtpSender>;
  for (const [id, address] of candidates) {
    claimQuotaWarning(ctx.db, ctx.dataDir, id)
      .then(async (warning) => {
        if (!warning) return;
        try {
          await send(quotaNotice(warning));
        } catch (err) {
          await rearmQuotaWarning(ctx.db, id).catch(() => undefined); // the next delivery tries again
          throw err;
        }
        plugin.loginfo(`quota warning sent to ${warning.address} (${warning.usedBytes} of ${warning.quotaMb} MB)`);
      })
      .catch((err: Error) => plugin.logerror(`quota warning for ${address} not sent: ${err.message}`));
  }
}

export function deliver(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  guardedOurMail(this, next, connection, async (txn, notes, answer) => {
    await deliverAll(this, txn, notes);
    answer(constants.ok);
  });
}

/**
 * An authenticated client's message (Haraka runs queue_outbound when relaying): local
 * recipients get our delivery, the others go out with the original sender.
 */
export function deliver_authenticated(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  guardedOurMail(this, next, connection, async (txn, notes, answer) => { // nothing local: Haraka's outbound sends it as usual
    const message = await deliverAll(this, txn, notes);
    if (notes.remote?.length) await sendViaOutbound(this, envelopeAddress(txn.mail_from), notes.remote, message);
    answer(constants.ok);
  });
}

/** With MAILHOST_RELAY set, every outbound message (forwards, replies) leaves through it. */
export function hook_get_mx(this: Haraka.Plugin, next: Haraka.Next): void {
  const relay = (this.settings as Settings).relay;
  if (!relay) return next();
  next(constants.ok, { exchange: relay.host, port: relay.port, priority: 0 });
}

/** Haraka stopping: the statistics and usage counted since the last flush are written. */
export function shutdown(this: Haraka.Plugin): void {
  stopStats().catch((err: Error) => this.logerror(`stats: ${err.message}`));
  void stopUsage();
}
