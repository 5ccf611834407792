// The words of the help desk's mail notices, in the recipient's language (English by default).
import type { CommentKind, TicketCategory } from './tickets';

export type NoticeLanguage = 'en' | 'fr';

export function noticeLanguage(language: string | null | undefined): NoticeLanguage {
  return /^fr\b/i.test(String(language ?? '')) ? 'fr' : 'en';
}

interface NoticeText {
  subject: Record<CommentKind, string>;
  intro: Record<CommentKind, string>;
  category: string;
  /** labels end with the language's colon */
  subjectLabel: string;
  link: string;
  footer: string;
  categories: Record<TicketCategory, string>;
}

export const NOTICE_TEXT: Record<NoticeLanguage, NoticeText> = {
  en: {
    subject: {
      open: '[Ticket #{id}] New ticket: {subject}',
      comment: '[Ticket #{id}] New answer: {subject}',
      close: '[Ticket #{id}] Closed: {subject}',
      reopen: '[Ticket #{id}] Reopened: {subject}',
    },
    intro: {
      open: '{who} opened a help desk ticket.',
      comment: '{who} answered the ticket #{id} "{subject}":',
      close: '{who} closed the ticket #{id} "{subject}".',
      reopen: '{who} reopened the ticket #{id} "{subject}".',
    },
    category: 'Category:',
    subjectLabel: 'Subject:',
    link: 'Read the whole conversation and answer on the help desk: {url}',
    footer: 'This is an automatic notice: please answer on the help desk page, not by replying to this message.',
    categories: { reception: 'Receiving mail', sending: 'Sending mail', spam: 'Spam and quarantine', account: 'Account and password', other: 'Other' },
  },
  fr: {
    subject: {
      open: '[Ticket n° {id}] Nouvelle demande : {subject}',
      comment: '[Ticket n° {id}] Nouvelle réponse : {subject}',
      close: '[Ticket n° {id}] Demande fermée : {subject}',
      reopen: '[Ticket n° {id}] Demande rouverte : {subject}',
    },
    intro: {
      open: '{who} a ouvert une demande d’assistance.',
      comment: '{who} a répondu à la demande n° {id} « {subject} » :',
      close: '{who} a fermé la demande n° {id} « {subject} ».',
      reopen: '{who} a rouvert la demande n° {id} « {subject} ».',
    },
    category: 'Catégorie :',
    subjectLabel: 'Objet :',
    link: 'Lisez toute la conversation et répondez depuis l’espace Assistance : {url}',
    footer: 'Ce message est un avis automatique : merci de répondre depuis la page Assistance et non en répondant à ce message.',
    categories: { reception: 'Réception des messages', sending: 'Envoi des messages', spam: 'Spam et quarantaine', account: 'Compte et mot de passe', other: 'Autre' },
  },
};

export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}
