// The few words an autoreply writes by itself, in the mailbox's language (en by default).
// "Re:" stays untranslated (RFC 5322 3.6.5: clients thread on it).
export type ReplyLanguage = 'en' | 'fr';

const STRINGS: Record<ReplyLanguage, { defaultSubject: string }> = {
  en: { defaultSubject: 'Out of office reply' },
  fr: { defaultSubject: "Réponse automatique d'absence" },
};

export function replyLanguage(language: string | null | undefined): ReplyLanguage {
  return /^fr\b/i.test(String(language ?? '')) ? 'fr' : 'en';
}

/** ISPConfig's fixed subject, translated: used when there is no subject to answer to. */
export function defaultSubject(language: string | null | undefined): string {
  return STRINGS[replyLanguage(language)].defaultSubject;
}
