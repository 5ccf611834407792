// Mail notices of the review queue: a new "not spam" report or release request goes to the
// domain's client and the admins, each in their language. A notice that cannot be sent is
// logged, never a reason to lose the request (it is on the review page anyway).
import type { Db } from '../../lib/core';
import { reviewerAddresses, type QuarantineRow, type ReviewKind } from '../../lib/quarantine';
import { translator } from '../i18n';
import type { QuarantineServices } from './services';

export async function notifyReviewers(db: Db, services: QuarantineServices, domainId: number, row: QuarantineRow, kind: ReviewKind): Promise<void> {
  for (const r of await reviewerAddresses(db, domainId)) {
    const t = translator(r.language ?? 'en');
    const vars = { mailbox: row.mailbox, sender: row.mail_from || row.header_from || '<>', subject: row.subject };
    try {
      await services.send({
        from: `postmaster@${row.mailbox.slice(row.mailbox.lastIndexOf('@') + 1)}`,
        to: r.email,
        subject: t(`review.notice_subject_${kind}`, vars),
        text: t(`review.notice_text_${kind}`, vars),
      });
    } catch (err) {
      console.error(`quarantine: notice to ${r.email} not sent: ${(err as Error).message}`);
    }
  }
}

/** The owner who asked for a release is told the answer, in their language. */
export async function notifyRequester(db: Db, services: QuarantineServices, review: { mailbox_id: number; subject?: unknown; mail_from?: unknown }, approved: boolean): Promise<void> {
  const mb = await db('mailboxes').where({ id: review.mailbox_id }).first('address', 'language');
  if (!mb) return;
  const t = translator(mb.language ?? 'en');
  const vars = { subject: String(review.subject ?? ''), sender: String(review.mail_from || '<>') };
  const outcome = approved ? 'approved' : 'refused';
  try {
    await services.send({
      from: `postmaster@${String(mb.address).slice(String(mb.address).lastIndexOf('@') + 1)}`,
      to: String(mb.address),
      subject: t(`review.answer_subject_${outcome}`, vars),
      text: t(`review.answer_text_${outcome}`, vars),
    });
  } catch (err) {
    console.error(`quarantine: answer to ${mb.address} not sent: ${(err as Error).message}`);
  }
}
