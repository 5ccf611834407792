// mailhost.limits - size and count limits, answered before anything is accepted (lib/smtp):
//   MAIL FROM with SIZE= over the limit       552 5.3.4 (RFC 1870; Haraka's own check says 550,
//                                             so smtp.ini [max] bytes=0 leaves it to us)
//   one RCPT too many (transaction/connection) 452 4.5.3 (the client sends the rest later)
//   after DATA: too big, or too many header lines (past them parsers stop reading) 552 5.3.4
// Limits: [limits] of config/mailhost.ini, reloaded when the file changes.
import { parseSmtpLimits, checkDeclaredSize, checkRecipientCount, checkMessage, type SmtpLimits } from '../lib/smtp';
import { headerLineCount } from '../lib/core';
import { statsRecorder } from '../lib/stats';
import { constants, dsn, messageBuffer, TEMPFAIL, pluginDb, pluginSettings, notesOf } from './common';

export function register(this: Haraka.Plugin): void {
  this.load_limits();
  this.register_hook('capabilities', 'advertise_size');
  this.register_hook('mail', 'check_declared_size');
  this.register_hook('rcpt', 'check_recipient_count');
  this.register_hook('data_post', 'check_message');
}

export function load_limits(this: Haraka.Plugin): void {
  const ini = this.config.get('mailhost.ini', 'ini', () => this.load_limits()) as { limits?: Record<string, unknown> } | undefined;
  try {
    this.limits = parseSmtpLimits(ini?.limits);
  } catch (err) {
    this.logerror(`mailhost.ini [limits]: ${(err as Error).message}; keeping the previous limits`);
    this.limits ??= parseSmtpLimits(undefined);
  }
}

const limitsOf = (plugin: Haraka.Plugin) => plugin.limits as SmtpLimits;

/** RFC 1870: EHLO tells our limit (Haraka advertises its own max.bytes, 0 here). */
export function advertise_size(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  const caps = (connection as unknown as { capabilities?: string[] }).capabilities;
  if (caps) {
    const i = caps.findIndex((c) => /^SIZE\b/i.test(c));
    const line = `SIZE ${limitsOf(this).maxBytes}`;
    if (i >= 0) caps[i] = line;
    else caps.push(line);
  }
  next();
}

export function check_declared_size(this: Haraka.Plugin, next: Haraka.Next, _connection: Haraka.Connection, params: unknown[]): void {
  const size = Number((params[1] as Record<string, string> | undefined)?.SIZE);
  const reply = checkDeclaredSize(Number.isFinite(size) ? size : undefined, limitsOf(this));
  next(reply ? constants.deny : undefined, reply ? dsn(reply) : undefined);
}

export function check_recipient_count(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  // rcpt_to already holds this recipient: count the accepted ones
  const inTxn = (connection.transaction as unknown as { rcpt_count?: { accept?: number } } | null)?.rcpt_count?.accept ?? 0;
  const inConn = (connection as unknown as { rcpt_count?: { accept?: number } }).rcpt_count?.accept ?? 0;
  const reply = checkRecipientCount(inTxn, inConn, limitsOf(this));
  next(reply ? constants.denysoft : undefined, reply ? dsn(reply) : undefined);
}

export function check_message(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  const txn = connection.transaction;
  if (!txn) return next();
  headerLines(txn).then(
    (lines) => {
      const reply = checkMessage(txn.data_bytes, lines, limitsOf(this));
      if (reply) txn.results.add(this, { fail: `limit:${reply.text}` });
      if (reply) countRefused(this, txn);
      next(reply ? constants.deny : undefined, reply ? dsn(reply) : undefined);
    },
    (err: Error) => {
      this.logerror(`header line count: ${err.message}`);
      next(constants.denysoft, TEMPFAIL());
    },
  );
}

/** Haraka's parser keeps at most its max_lines header lines: past that, count the bytes. */
async function headerLines(txn: Haraka.Transaction): Promise<number> {
  const t = txn as unknown as { header_lines?: string[]; cfg?: { headers?: { max_lines?: number } } };
  const parsed = t.header_lines?.length ?? 0;
  if (parsed < (t.cfg?.headers?.max_lines || 1000)) return parsed;
  return headerLineCount(await messageBuffer(txn));
}

/** Statistics only: a missing setting must not keep the refusal from being answered. */
function countRefused(plugin: Haraka.Plugin, txn: Haraka.Transaction): void {
  try {
    statsRecorder(pluginDb(pluginSettings(plugin))).refusedData(notesOf(txn));
  } catch (err) {
    plugin.logerror(`stats: ${(err as Error).message}`);
  }
}
