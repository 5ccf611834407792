// The words of the 90 % quota warning, in the mailbox's language (English unless French), from
// postmaster@ of the mailbox's domain. Sent by the caller; this only writes it.
import type { QuotaWarning } from './quotaWarning';

export interface QuotaNotice {
  from: string;
  to: string;
  subject: string;
  text: string;
}

const mb = (bytes: number, lang: 'fr' | 'en') => (bytes / (1024 * 1024)).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 });

export function quotaNotice(w: QuotaWarning): QuotaNotice {
  const lang = /^fr\b/i.test(w.language ?? '') ? 'fr' : 'en';
  const domain = w.address.slice(w.address.lastIndexOf('@') + 1);
  const percent = Math.floor((w.usedBytes / (w.quotaMb * 1024 * 1024)) * 100);
  const used = mb(w.usedBytes, lang);
  const quota = mb(w.quotaMb * 1024 * 1024, lang);
  const text =
    lang === 'fr'
      ? [
          'Bonjour,',
          '',
          `Votre boîte aux lettres ${w.address} est presque pleine : ${used} Mo utilisés sur ${quota} Mo (${percent} %).`,
          '',
          "Lorsqu'elle sera pleine, les nouveaux messages ne pourront plus y être déposés : leurs",
          "expéditeurs recevront un refus temporaire et réessaieront pendant quelques jours.",
          '',
          'Pour faire de la place, supprimez les messages dont vous n\'avez plus besoin (surtout ceux',
          'qui ont des pièces jointes) et videz les dossiers Corbeille et Spam depuis votre',
          'logiciel de messagerie ou votre webmail. Vous pouvez aussi demander plus d\'espace à votre',
          'fournisseur.',
          '',
          "Vous ne recevrez pas d'autre avertissement tant que l'occupation ne sera pas repassée sous 90 %.",
          '',
          '--',
          `postmaster@${domain}`,
          '',
        ]
      : [
          'Hello,',
          '',
          `Your mailbox ${w.address} is almost full: ${used} MB used of ${quota} MB (${percent}%).`,
          '',
          'Once it is full, new messages cannot be stored in it: their senders get a temporary',
          'refusal and try again for a few days.',
          '',
          'To make room, delete the messages you no longer need (those with attachments first) and',
          'empty the Trash and Junk folders from your mail program or webmail. You can also ask your',
          'provider for more space.',
          '',
          'You will not be warned again until the mailbox is back under 90%.',
          '',
          '--',
          `postmaster@${domain}`,
          '',
        ];
  const subject = lang === 'fr' ? `Votre boîte aux lettres est presque pleine (${percent} %)` : `Your mailbox is almost full (${percent}%)`;
  return { from: `postmaster@${domain}`, to: w.address, subject, text: text.join('\n') };
}
