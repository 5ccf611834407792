// LMTP client (MAILHOST_DELIVERY=lmtp://host:port): local copies handed to Dovecot's LMTP
// instead of our own Maildir writes. Each copy travels in its own LMTP transaction with one
// recipient, so every answer belongs to exactly one copy (copies differ anyway: Delivered-To,
// subject tags). Nodemailer's SMTP connection speaks the protocol (`lmtp: true`).
import os from 'node:os';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { HostPort } from '../core';

export interface LmtpCopy {
  /** the LMTP recipient: the mailbox, or mailbox+Junk for its Junk folder */
  rcpt: string;
  message: Buffer;
}

export class LmtpError extends Error {
  constructor(
    message: string,
    /** the LMTP reply code, when the server answered */
    readonly code?: number,
  ) {
    super(message);
  }
}

type Conn = SMTPConnection;

/**
 * No new copy is started after this long: the queue hook must answer well within its own
 * timeout (config/mailhost.deliver.timeout, 120 s), or Haraka would answer for it while copies
 * are still being delivered. The copies left are delivered on the sender's retry.
 */
const SESSION_BUDGET_MS = 60_000;

/**
 * One step of the session: settles on its callback, or on the connection failing or closing
 * first (nodemailer reports a connection lost mid-transaction as an 'error' event only).
 */
function step<T>(conn: Conn, run: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (err: Error) => finish(err);
    const closed = () => finish(new LmtpError('LMTP connection closed'));
    function finish(err: Error | null | undefined, value?: T) {
      conn.removeListener('error', fail);
      conn.removeListener('end', closed);
      if (err) reject(err);
      else resolve(value as T);
    }
    conn.once('error', fail);
    conn.once('end', closed);
    run(finish);
  });
}

function replyCode(err: unknown): number | undefined {
  const e = err as { responseCode?: number; rejectedErrors?: { responseCode?: number }[] };
  return e.responseCode ?? e.rejectedErrors?.[0]?.responseCode;
}

async function openSession(server: HostPort): Promise<Conn> {
  const conn = new SMTPConnection({
    host: server.host,
    port: server.port,
    lmtp: true,
    ignoreTLS: true,
    name: os.hostname(),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  // errors are taken by the step that is running; this keeps a late one from being unhandled
  conn.on('error', () => undefined);
  try {
    await step<void>(conn, (done) => conn.connect((err) => done(err)));
  } catch (err) {
    conn.close();
    throw new LmtpError(`LMTP ${server.host}:${server.port} unreachable: ${(err as Error).message}`);
  }
  return conn;
}

/** Sends one copy; throws LmtpError (with the server's code when it answered) unless it got 250. */
async function sendCopy(conn: Conn, mailFrom: string, copy: LmtpCopy): Promise<void> {
  let info: SMTPConnection.SentMessageInfo;
  try {
    info = await step<SMTPConnection.SentMessageInfo>(conn, (done) => conn.send({ from: mailFrom, to: [copy.rcpt] }, copy.message, (err, i) => done(err, i)));
  } catch (err) {
    throw new LmtpError(`LMTP refused <${copy.rcpt}>: ${(err as Error).message}`, replyCode(err));
  }
  if (!info.accepted.includes(copy.rcpt)) {
    throw new LmtpError(`LMTP refused <${copy.rcpt}> after DATA: ${info.rejectedErrors?.[0]?.message ?? info.response}`, replyCode(info));
  }
}

/**
 * Hands the copies to the LMTP server in order, on one connection. Resolves with how many were
 * delivered (each answered 250) and, when it stopped before the end, why.
 */
export async function sendOverLmtp(server: HostPort, mailFrom: string, copies: LmtpCopy[]): Promise<{ delivered: number; error?: LmtpError }> {
  if (!copies.length) return { delivered: 0 };
  let conn: Conn;
  try {
    conn = await openSession(server);
  } catch (err) {
    return { delivered: 0, error: err as LmtpError };
  }
  let delivered = 0;
  try {
    const deadline = Date.now() + SESSION_BUDGET_MS;
    for (const copy of copies) {
      if (Date.now() > deadline) throw new LmtpError(`LMTP too slow: ${delivered} of ${copies.length} copies in ${SESSION_BUDGET_MS / 1000} s`);
      await sendCopy(conn, mailFrom, copy);
      delivered++;
    }
    conn.quit();
    return { delivered };
  } catch (err) {
    conn.close();
    return { delivered, error: err instanceof LmtpError ? err : new LmtpError((err as Error).message) };
  }
}
