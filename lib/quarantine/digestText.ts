// The words of the digest, in the mailbox's language (English by default).
export type DigestLanguage = 'en' | 'fr';

export function digestLanguage(language: string | null | undefined): DigestLanguage {
  return /^fr\b/i.test(String(language ?? '')) ? 'fr' : 'en';
}

export const DIGEST_TEXT: Record<DigestLanguage, Record<string, string>> = {
  en: {
    subject: 'Quarantine report for {mailbox}: {count} message(s) held',
    intro: 'These messages addressed to {mailbox} were held between {from} and {until}. They were not delivered.',
    counts: 'Held: {spam} spam, {newsletter} newsletter(s), {virus} virus(es).',
    date: 'Date',
    sender: 'Sender',
    subjectCol: 'Subject',
    score: 'Score',
    newsletters: 'Newsletters',
    others: 'Other held messages',
    release: 'release',
    preview: 'preview',
    report: 'not spam',
    accept_newsletter: 'accept this newsletter',
    retention: 'Held messages are deleted {days} days after they arrived.',
    links: 'Each link is valid for {days} days and asks for a confirmation before it does anything.',
    space: 'All your held messages: {url}',
    no_subject: '(no subject)',
  },
  fr: {
    subject: 'Rapport de quarantaine de {mailbox} : {count} message(s) retenu(s)',
    intro: 'Ces messages adressés à {mailbox} ont été retenus entre le {from} et le {until}. Ils ne vous ont pas été remis.',
    counts: 'Retenus : {spam} spam, {newsletter} newsletter(s), {virus} virus.',
    date: 'Date',
    sender: 'Expéditeur',
    subjectCol: 'Objet',
    score: 'Score',
    newsletters: 'Newsletters',
    others: 'Autres messages retenus',
    release: 'libérer',
    preview: 'voir',
    report: 'pas un spam',
    accept_newsletter: 'accepter cette newsletter',
    retention: 'Les messages retenus sont supprimés {days} jours après leur arrivée.',
    links: 'Chaque lien est valable {days} jours et demande une confirmation avant d’agir.',
    space: 'Tous vos messages retenus : {url}',
    no_subject: '(sans objet)',
  },
};

export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** The immediate notice of a held message from a sender on the owner's warn list. */
export const WARN_TEXT: Record<DigestLanguage, Record<string, string>> = {
  en: {
    subject: 'Held for {mailbox}: {subject}',
    intro: 'A message from {sender}, a sender you asked to be warned about, was held in quarantine:',
    links: 'Each link is valid for {days} days and asks for a confirmation before it does anything.',
  },
  fr: {
    subject: 'Retenu pour {mailbox} : {subject}',
    intro: 'Un message de {sender}, un expéditeur pour lequel vous avez demandé à être prévenu, a été retenu en quarantaine :',
    links: 'Chaque lien est valable {days} jours et demande une confirmation avant d’agir.',
  },
};
