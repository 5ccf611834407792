// mailhost.auth - the submission ports (MAILHOST_SUBMISSION_LISTEN, MAILHOST_SUBMISSION_TLS_LISTEN),
// told apart from the MX port by the connection's local port, on Haraka's own AUTH framework
// (auth/auth_base) and TLS plugin:
//   EHLO   AUTH PLAIN LOGIN offered on a submission port once TLS is on; never on the MX port
//          (mail for our domains needs no login there, and passwords stay off port 25)
//   AUTH   before STARTTLS: 538 5.7.11; the check is lib/submission authenticateSender (mailbox
//          password, throttled per account and IP like the admin login, suspension: 535 5.7.1)
//   MAIL   no login: 530 5.7.0; sender not owned: 553 5.7.1; hourly limit: 451 4.7.1
//   RCPT   daily recipients limit: 451 4.7.1 (then mailhost.rcpt relays: the client is authenticated)
//   DATA   header From not owned: 553 5.7.1; spam by our engine: 550 5.7.1, counted, and N in an
//          hour suspend the mailbox (the notice is queued to its recovery address and the client)
import { type Settings, type Reply, REPLIES, parseHeaderAddress, withTimeout } from '../lib/core';
import { sqlDirectory } from '../lib/directory';
import { authenticateSender, checkMailFrom, checkDailyRecipients, judgeMessage, type Sender, type SubmissionContext } from '../lib/submission';
import { constants, pluginSettings, pluginDb, guarded, dsn, envelopeAddress, messageBuffer, queueOutbound } from './common';

const CHECK_TIMEOUT_MS = 20000;
const METHODS = ['PLAIN', 'LOGIN'];

export function register(this: Haraka.Plugin): void {
  this.inherits('auth/auth_base');
  const settings = pluginSettings(this);
  this.settings = settings;
  this.submissionPorts = [settings.submissionListen?.port, settings.submissionTlsListen?.port].filter((p) => p);
  // the password is checked here and never kept in the connection's notes
  this.blankout_password = true;
}

function context(plugin: Haraka.Plugin): SubmissionContext {
  const settings = plugin.settings as Settings;
  const db = pluginDb(settings);
  return (plugin.submissionContext ??= { db, dir: sqlDirectory(db), settings } satisfies SubmissionContext);
}

const isSubmission = (plugin: Haraka.Plugin, c: Haraka.Connection) => (plugin.submissionPorts as number[]).includes(Number(c.local?.port));
const senderOf = (c: Haraka.Connection) => c.notes.mailhost_sender as Sender | undefined;
const refuse = (next: Haraka.Next, r: Reply) => next(r.code >= 500 ? constants.deny : constants.denysoft, dsn(r));

export function hook_capabilities(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  if (isSubmission(this, connection) && connection.tls.enabled) {
    connection.capabilities.push(`AUTH ${METHODS.join(' ')}`);
    connection.notes.allowed_auth_methods = METHODS;
  }
  next();
}

export function hook_unrecognized_command(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection, params: string[]): void {
  if (!isSubmission(this, connection)) return next();
  if (String(params[0]).toUpperCase() === 'AUTH' && !connection.tls.enabled) return refuse(next, REPLIES.auth_needs_tls);
  this.base['auth/auth_base'].hook_unrecognized_command.call(this, next, connection, params);
}

/** auth_base calls this with the decoded user and password; cb(valid, { code, message }). */
export function check_plain_passwd(this: Haraka.Plugin, connection: Haraka.Connection, user: string, password: string, cb: (valid: boolean, opts?: { code: number; message: string }) => void): void {
  const fail = (r: Reply) => cb(false, { code: r.code, message: `${r.dsn} ${r.text}` });
  withTimeout(authenticateSender(context(this).db, user, password, connection.remote.ip), CHECK_TIMEOUT_MS, 'auth').then(
    (r) => {
      if (!r.ok) return fail(r.reply);
      connection.notes.mailhost_sender = r.sender;
      cb(true);
    },
    (err: Error) => {
      this.logerror(`auth: ${err?.stack || err}`);
      fail(REPLIES.auth_temporary);
    },
  );
}

export function hook_mail(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection, params: Haraka.Address[]): void {
  if (!isSubmission(this, connection)) return next();
  guarded(this, next, async (answer) => {
    const sender = senderOf(connection);
    if (!sender) return refuse(answer, REPLIES.auth_required);
    const r = await withTimeout(checkMailFrom(context(this), sender, envelopeAddress(params[0])), CHECK_TIMEOUT_MS);
    if (r) return refuse(answer, r);
  });
}

export function hook_rcpt(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  if (!isSubmission(this, connection)) return next();
  guarded(this, next, async (answer) => {
    const sender = senderOf(connection);
    if (!sender) return refuse(answer, REPLIES.auth_required);
    // Haraka has put this recipient in rcpt_to already (and takes it out if refused)
    const count = connection.transaction?.rcpt_to.length ?? 1;
    const r = await withTimeout(checkDailyRecipients(context(this), sender, count), CHECK_TIMEOUT_MS);
    if (r) return refuse(answer, r);
  });
}

export function hook_data_post(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  const sender = senderOf(connection);
  const txn = connection.transaction;
  if (!isSubmission(this, connection) || !sender || !txn) return next();
  guarded(this, next, async (answer) => {
    const msg = { raw: await messageBuffer(txn), headerFrom: parseHeaderAddress(txn.header.get('From')).address || null, recipients: txn.rcpt_to.length };
    const j = await withTimeout(judgeMessage(context(this), sender, msg), CHECK_TIMEOUT_MS, 'submission check');
    txn.results.add(this, { sender: sender.address, score: j.score, ...(j.suspended ? { msg: 'sending suspended' } : {}) });
    if (j.suspended) {
      this.lognotice(`sending suspended for ${sender.address} until ${new Date(j.suspended.until).toISOString()}`);
      if (j.notice) await queueOutbound(this, j.notice.mailFrom, j.notice.rcptTo, j.notice.raw);
    }
    if (j.reply) return refuse(answer, j.reply);
  });
}
