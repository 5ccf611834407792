// Glue shared by our Haraka plugins (not a plugin itself): settings, the shared DB handle,
// and a hook wrapper that guarantees one answer and turns any fault into a 4xx.
import constants from 'haraka-constants';
import DSN from 'haraka-dsn';
import { loadSettings, type Settings, sharedDb, type Db, type Reply, withTimeout, REPLIES, unquoteLocalPart, applyHeaderEdits } from '../lib/core';
import type { MailhostNotes } from '../lib/delivery';

export { constants };

/** Settings from the environment, with config/mailhost.ini [main] as fallback for existing installs. */
export function pluginSettings(plugin: Haraka.Plugin): Settings {
  const ini = plugin.config.get('mailhost.ini', 'ini') as { main?: Record<string, string> } | undefined;
  const main = ini?.main ?? {};
  const fromIni: NodeJS.ProcessEnv = {};
  const map: Record<string, string> = { db: 'MAILHOST_DB', data_dir: 'MAILHOST_DATA', relay: 'MAILHOST_RELAY', postmaster: 'MAILHOST_POSTMASTER', srs_secret: 'MAILHOST_SRS_SECRET',
    send_per_hour: 'MAILHOST_SEND_PER_HOUR', send_rcpt_per_day: 'MAILHOST_SEND_RCPT_PER_DAY', send_spam_score: 'MAILHOST_SEND_SPAM_SCORE',
    send_spam_strikes: 'MAILHOST_SEND_SPAM_STRIKES', send_suspend_hours: 'MAILHOST_SEND_SUSPEND_HOURS' };
  for (const [k, env] of Object.entries(map)) if (main[k]) fromIni[env] = main[k];
  return loadSettings({ ...fromIni, ...process.env });
}

export function pluginDb(settings: Settings): Db {
  return sharedDb(settings.db);
}

export function dsn(r: Reply, detail?: string): unknown {
  const [, sub, det] = r.dsn.split('.').map(Number);
  return DSN.create(r.code, detail ? `${r.text} (${detail})` : r.text, sub, det);
}

export const TEMPFAIL = () => dsn(REPLIES.temporary);

/**
 * Runs an async hook body so that `next` is called exactly once and a thrown error never
 * reaches Haraka (an unhandled rejection kills the server): faults answer DENYSOFT 4.3.0.
 */
export function guarded(
  plugin: Haraka.Plugin,
  next: Haraka.Next,
  body: (answer: Haraka.Next) => Promise<void>,
): void {
  let answered = false;
  const answer: Haraka.Next = (code, msg) => {
    if (answered) return;
    answered = true;
    next(code, msg);
  };
  body(answer).then(
    () => answer(),
    (err: Error) => {
      plugin.logerror(`${plugin.name}: ${err?.stack || err}`);
      answer(constants.denysoft, TEMPFAIL());
    },
  );
}

/**
 * guarded() for the hooks that act only on mail with at least one of our recipients: the body
 * gets the transaction and our notes; anything else passes on to the next plugin.
 */
export function guardedOurMail(
  plugin: Haraka.Plugin,
  next: Haraka.Next,
  connection: Haraka.Connection,
  body: (txn: Haraka.Transaction, notes: MailhostNotes, answer: Haraka.Next) => Promise<void>,
): void {
  guarded(plugin, next, async (answer) => {
    const txn = connection.transaction;
    const notes = notesOf(txn);
    if (!txn || !notes) return answer();
    await body(txn, notes, answer);
  });
}

/** An envelope address as user@host (ASCII host), '' for the null sender. */
export function envelopeAddress(a: Haraka.Address | null | undefined): string {
  if (!a || a.isNull()) return '';
  // "john"@x is john@x: an SRS sender built from the quoted form would be refused by outbound
  const user = unquoteLocalPart(String(a.user ?? ''));
  return a.host ? `${user}@${a.host}` : user;
}

/** Our notes on this transaction when at least one recipient is ours, else undefined. */
export function notesOf(txn: Haraka.Transaction | null): MailhostNotes | undefined {
  const n = txn?.notes?.mailhost as MailhostNotes | undefined;
  return n && n.recipients.length ? n : undefined;
}

/**
 * The message as the sender wrote it (SMTP dot-stuffing removed), with the header fields our
 * and Haraka's steps added in front and those they removed taken out (lib/core applyHeaderEdits):
 * read from the received bytes, not from Haraka's parsed header copy, so 8-bit header bytes and
 * every line are kept. Bounded in time so a stuck spool cannot hold a hook forever.
 */
// The bytes received do not change once DATA is over (only the header edits do, applied on
// every call): several plugins want the message (limits, spam, deliver, autoreply), and reading
// the stream again for each was a visible share of the SMTP thread's time in the bench.
const received = new WeakMap<object, Promise<Buffer>>();
// The edited copy too, with the header list it was made from: most callers see the same list
// (only the spam verdict adds fields), and redoing the edits each time was as costly as a read.
const edited = new WeakMap<object, { list: string[]; encoding: BufferEncoding; out: Buffer }>();

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function messageBuffer(txn: Haraka.Transaction): Promise<Buffer> {
  const stream = txn.message_stream as unknown as { headers: string[]; get_data(o: object, cb: (b: Buffer) => void): void };
  let read = received.get(stream);
  if (!read) {
    read = readStream(stream);
    received.set(stream, read);
    read.catch(() => received.delete(stream)); // a failed read is tried again by the next caller
  }
  const raw = await read;
  const list = (txn.header as unknown as { header_list?: string[] }).header_list ?? [];
  const encoding = (txn as unknown as { encoding?: BufferEncoding }).encoding ?? 'utf8';
  const last = edited.get(stream);
  if (last && last.encoding === encoding && sameList(last.list, list)) return last.out;
  const out = applyHeaderEdits(raw, list, encoding);
  edited.set(stream, { list: [...list], encoding, out });
  return out;
}

function readStream(stream: { headers: string[]; get_data(o: object, cb: (b: Buffer) => void): void }): Promise<Buffer> {
  return withTimeout(
    new Promise<Buffer>((resolve) => {
      // the stream writes its `headers` (the parsed copy) instead of the received header block
      // when it has any; it reads them when the read starts, so they are put back at once
      const parsed = stream.headers;
      stream.headers = [];
      try {
        stream.get_data({ dot_stuffed: true }, resolve);
      } finally {
        stream.headers = parsed;
      }
    }),
    30000,
    'message read',
  );
}

/**
 * Queues a message we composed (7-bit MIME, CRLF) on Haraka's outbound queue; resolves once it
 * is on disk. Outbound is loaded here, not at register(): haraka-test-fixtures has none.
 */
export function queueOutbound(plugin: Haraka.Plugin, mailFrom: string, rcptTo: string[], raw: Buffer): Promise<void> {
  const outbound = plugin.haraka_require('outbound');
  // a string takes outbound's path that dot-stuffs lines
  const contents = raw.toString('utf8');
  return new Promise((resolve, reject) => {
    outbound.send_email(
      mailFrom ? `<${mailFrom}>` : '<>',
      [...rcptTo],
      contents,
      (code: number, msg: string) => (code === constants.ok ? resolve() : reject(new Error(`outbound refused: ${msg}`))),
      { origin: plugin },
    );
  });
}
