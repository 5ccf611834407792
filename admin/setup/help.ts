// GET /help: our manual, in the page's language, one section per topic with an anchor
// (/help#quarantine). Open without signing in too (linked from the sign-in page); signed in, it
// has the usual header and menu. Every page's header links here, to the section about that
// page (res.locals.helpHref, set below for every request that passes this router).
import express from 'express';
import type { Settings } from '../../lib/core';
import { mailClientSettings } from '../../lib/overview';
import { localeStrings, isSupported } from '../i18n';

type Strings = Record<string, unknown>;

export interface ManualSection {
  id: string;
  title: string;
  /** paragraphs and bullet lists, in order; a list item "Term — text" shows the term in bold */
  blocks: ({ kind: 'p'; text: string } | { kind: 'ul'; items: { term: string; text: string }[] })[];
}

const cache = new Map<string, ManualSection[]>();

/** The manual's sections in a language, from locales/<lang>/manual.json (read once). */
export function manualSections(lang: string): ManualSection[] {
  const hit = cache.get(lang);
  if (hit) return hit;
  const sections = ((localeStrings(lang).manual as Strings).sections ?? {}) as Record<string, Strings>;
  const out = Object.entries(sections).map(([id, s]) => ({
    id,
    title: String(s.title),
    blocks: Object.entries(s)
      .filter(([k]) => k !== 'title')
      .map(([, v]) =>
        typeof v === 'object' && v
          ? {
              kind: 'ul' as const,
              items: Object.values(v as Strings).map((item) => {
                const [term, ...rest] = String(item).split(' — ');
                return rest.length ? { term, text: rest.join(' — ') } : { term: '', text: term };
              }),
            }
          : { kind: 'p' as const, text: String(v) },
      ),
  }));
  cache.set(lang, out);
  return out;
}

/** The manual section about the page at `path` (the header's help link goes there). */
export function helpSectionFor(path: string): string {
  const p = path.split('?')[0];
  if (p === '/') return 'home';
  const rules: [RegExp, string][] = [
    [/^\/mailboxes\/\d+\/autoreplies/, 'autoresponder'],
    [/^\/mailboxes\/\d+/, 'mailbox'],
    [/^\/(quarantine|q)\b/, 'quarantine'],
    [/^\/stats\b/, 'stats'],
    [/^\/sessions\b|^\/password\b|^\/language\b/, 'start'],
    [/^\/(domains|domain-aliases|mailboxes|aliases|forwards|catchall|accounts|spam-policies|sender-lists|reviews)\b/, 'admin'],
  ];
  return rules.find(([re]) => re.test(p))?.[1] ?? '';
}

export function helpRoutes(settings: Settings): express.Router {
  const router = express.Router();
  router.use((req, res, next) => {
    const section = helpSectionFor(req.path);
    res.locals.helpHref = section ? `/help#${section}` : '/help';
    next();
  });
  // @route GET /help   the manual (also without signing in)
  router.get('/help', (req, res) => {
    // signed out, the flags of the page choose the language (as on the sign-in page)
    if (!req.user && isSupported(req.query.lang)) {
      req.session.lang = req.query.lang;
      (res.locals.switchLanguage as (l: string) => void)(req.query.lang);
    }
    const lang = String(res.locals.lang);
    const clients = mailClientSettings(settings);
    const t = res.locals.t as (k: string, v?: Record<string, unknown>) => string;
    const server = (s: (typeof clients.incoming)[number]) => ({ protocol: t(`home.user.protocol.${s.protocol}`), host: s.host, port: String(s.port), security: t(`home.user.security.${s.security}`) });
    res.render('help', {
      title: t('manual.title'),
      sections: manualSections(lang),
      servers: [...clients.incoming, ...clients.outgoing].map(server),
      webmailUrl: clients.webmailUrl ?? '',
    });
  });
  return router;
}
