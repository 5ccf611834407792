// The warn list (MailCleaner's "warnlist"): senders a mailbox owner wants to hear about. When
// their mail is held, the owner gets a notice at the next scheduler tick (minutes) instead of
// waiting for the digest, with the same signed links. Once per held message: a row in
// quarantine_warnings is claimed before sending and given back if sending fails.
import { type Db, isUniqueViolation } from '../core';
import { patternMatches } from '../policy';
import { getQuarantined, type QuarantineRow } from './store';
import { digestMailbox } from './digest';
import { linkFor, LINK_TTL_DAYS, type LinkAction } from './links';
import { DIGEST_TEXT, WARN_TEXT, digestLanguage, fill } from './digestText';
import type { MailSender } from './mailer';

/** Held messages of the last `windowMs` whose owner warns about their sender and was not told yet. */
export async function pendingWarnings(db: Db, now: number, windowMs = 86_400_000): Promise<QuarantineRow[]> {
  const candidates = await db('quarantine as q')
    .join('sender_lists as w', function () {
      this.on('w.mailbox_id', '=', 'q.mailbox_id').andOn('w.kind', '=', db.raw('?', ['warn']));
    })
    .leftJoin('quarantine_warnings as qw', 'qw.quarantine_id', 'q.id')
    .whereNull('qw.quarantine_id')
    .where('q.released', false)
    .where('q.received_ms', '>=', now - windowMs)
    .select('q.id', 'q.mail_from', 'q.header_from', 'w.pattern');
  const ids = new Set<number>();
  for (const c of candidates as { id: number; mail_from: string; header_from: string; pattern: string }[]) {
    if (patternMatches(c.pattern, c.mail_from) || patternMatches(c.pattern, c.header_from)) ids.add(Number(c.id));
  }
  const rows: QuarantineRow[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) rows.push(await getQuarantined(db, id));
  return rows;
}

export interface WarnOptions {
  send: MailSender;
  secret: string;
  baseUrl: string;
  now?: number;
}

/** Sends the pending warnings; returns the addresses told (one line per message). */
export async function sendWarnings(db: Db, opts: WarnOptions): Promise<{ sent: string[]; failed: string[] }> {
  const now = opts.now ?? Date.now();
  const out = { sent: [] as string[], failed: [] as string[] };
  for (const row of await pendingWarnings(db, now)) {
    try {
      await db('quarantine_warnings').insert({ quarantine_id: row.id, sent_ms: now });
    } catch (err) {
      if (isUniqueViolation(err)) continue; // another node told them
      throw err;
    }
    try {
      const mb = await digestMailbox(db, row.mailbox_id);
      const lang = digestLanguage(mb.language);
      const T = { ...DIGEST_TEXT[lang], ...WARN_TEXT[lang] };
      const actions: LinkAction[] = row.category === 'virus' ? ['preview'] : ['release', 'preview', 'report'];
      const links = actions.map((a) => `  ${DIGEST_TEXT[lang][a]}: ${opts.baseUrl}/q/${linkFor(opts.secret, a, row.id, mb.id, now)}`);
      const sender = row.header_from || row.mail_from || '<>';
      const subject = row.subject || T.no_subject;
      await opts.send({
        from: `postmaster@${mb.address.slice(mb.address.lastIndexOf('@') + 1)}`,
        to: mb.to,
        subject: fill(T.subject, { mailbox: mb.address, subject }),
        text: [fill(T.intro, { sender }), '', `  ${T.sender}: ${sender}`, `  ${T.subjectCol}: ${subject}`, `  ${T.score}: ${row.score.toFixed(1)}`, '', ...links, '', fill(T.links, { days: LINK_TTL_DAYS }), ''].join('\n'),
      });
      out.sent.push(`${mb.to} (#${row.id})`);
    } catch (err) {
      await db('quarantine_warnings').where({ quarantine_id: row.id }).delete();
      out.failed.push(`#${row.id}: ${(err as Error).message}`);
    }
  }
  return out;
}
