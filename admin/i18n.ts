// Interface strings (admin/locales/*.json through i18next) and per-language formatting of
// dates, numbers and sizes. Lib error messages (English) are mapped to translated ones here.
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n as I18n } from 'i18next';
import { MailhostError } from '../lib/core';
import { ADMIN_ROOT } from './paths';

export const SUPPORTED_LANGUAGES = ['fr', 'en'] as const;
export const DEFAULT_LANGUAGE = 'en';

let instance: I18n | undefined;

function load(): I18n {
  if (instance) return instance;
  const resources: Record<string, { translation: Record<string, unknown> }> = {};
  for (const lang of SUPPORTED_LANGUAGES) resources[lang] = { translation: localeStrings(lang) };
  const inst = i18next.createInstance();
  void inst.init({
    resources,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...SUPPORTED_LANGUAGES],
    initAsync: false,
    // EJS escapes every output (<%=): escaping here too would show &amp; on the page
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  instance = inst;
  return inst;
}

type Strings = Record<string, unknown>;

function mergeInto(target: Strings, source: Strings, file: string, prefix = ''): void {
  for (const [key, value] of Object.entries(source)) {
    const here = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && here && typeof here === 'object') {
      mergeInto(here as Strings, value as Strings, file, `${prefix}${key}.`);
    } else if (here !== undefined) {
      throw new Error(`${file}: the string ${prefix}${key} is already defined`);
    } else {
      target[key] = value;
    }
  }
}

/**
 * A language's strings: locales/<lang>.json plus every locales/<lang>/*.json (one file per feature,
 * so features add their strings without touching the same file). A key defined twice is an error.
 */
export function localeStrings(lang: string): Strings {
  const dir = path.join(ADMIN_ROOT, 'locales');
  const strings: Strings = JSON.parse(fs.readFileSync(path.join(dir, `${lang}.json`), 'utf8'));
  const featureDir = path.join(dir, lang);
  const files = fs.existsSync(featureDir) ? fs.readdirSync(featureDir).filter((f) => f.endsWith('.json')).sort() : [];
  for (const file of files) {
    mergeInto(strings, JSON.parse(fs.readFileSync(path.join(featureDir, file), 'utf8')), `${lang}/${file}`);
  }
  return strings;
}

export type T = (key: string, vars?: Record<string, unknown>) => string;

export function translator(lang: string): T {
  const fixed = load().getFixedT(lang);
  return (key, vars) => String(fixed(key, vars ?? {}));
}

export function isSupported(lang: unknown): lang is (typeof SUPPORTED_LANGUAGES)[number] {
  return typeof lang === 'string' && (SUPPORTED_LANGUAGES as readonly string[]).includes(lang);
}

/** First supported language of an Accept-Language header. */
export function fromAcceptLanguage(header: string | undefined): string {
  for (const part of String(header ?? '').split(',')) {
    const code = part.split(';')[0].trim().slice(0, 2).toLowerCase();
    if (isSupported(code)) return code;
  }
  return DEFAULT_LANGUAGE;
}

const LOCALE: Record<string, string> = { fr: 'fr-FR', en: 'en-GB' };

export interface Formatters {
  date(value: unknown): string;
  number(value: unknown): string;
  bytes(value: unknown): string;
}

/** SQLite gives "YYYY-MM-DD HH:MM:SS" (UTC) strings, MariaDB gives Date objects. */
function toDate(value: unknown): Date | null {
  if (value == null || value === '') return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const s = String(value);
  const d = new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s);
  return Number.isNaN(d.getTime()) ? null : d;
}

// Intl formatters are costly to build and immutable: one set per language and time zone,
// shared by every request (a handful of languages times the zones users pick)
const formatterCache = new Map<string, Formatters>();

export function formatters(lang: string, timeZone?: string): Formatters {
  const key = `${lang}|${timeZone ?? ''}`;
  let f = formatterCache.get(key);
  if (!f) {
    if (formatterCache.size >= 1000) formatterCache.clear();
    formatterCache.set(key, (f = buildFormatters(lang, timeZone)));
  }
  return f;
}

function buildFormatters(lang: string, timeZone?: string): Formatters {
  const locale = LOCALE[lang] ?? lang;
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const numFmt = new Intl.NumberFormat(locale);
  const oneDecimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const units = lang === 'fr' ? ['o', 'Ko', 'Mo', 'Go', 'To'] : ['B', 'KB', 'MB', 'GB', 'TB'];
  return {
    date(value) {
      const d = toDate(value);
      return d ? dateFmt.format(d) : '';
    },
    number(value) {
      const n = Number(value);
      return value == null || value === '' || Number.isNaN(n) ? '' : numFmt.format(n);
    },
    bytes(value) {
      let n = Number(value ?? 0);
      let i = 0;
      while (n >= 1024 && i < units.length - 1) {
        n /= 1024;
        i++;
      }
      return `${oneDecimal.format(n)} ${units[i]}`;
    },
  };
}

// Lib messages are English one-liners meant for the CLI; the pages show a translated text.
const LIB_MESSAGES: [RegExp, string][] = [
  [/already exists/, 'err.exists'],
  [/is not hosted here/, 'err.domain_not_hosted'],
  [/^invalid domain/, 'err.domain'],
  [/^invalid (address|local part)|address must look like/, 'err.address'],
  [/^invalid mailbox name/, 'err.local_part'],
  [/password must be at least/, 'err.password_short'],
  [/password must be at most/, 'err.password_long'],
  [/password must start with/, 'err.password_start'],
  [/password must not contain/, 'err.password_control'],
  [/quota must be/, 'err.quota'],
  [/must be a whole number or "default"/, 'err.send_limit'],
  [/cannot (redirect|point) to itself/, 'err.self_target'],
  [/give at least one target/, 'err.targets_required'],
  [/(postmaster|abuse)@ cannot be deleted/, 'err.postmaster'],
  [/last active admin/, 'err.last_admin'],
  [/username must be/, 'err.username'],
  [/language must be|choose a language/, 'err.language'],
  [/cannot be renamed/, 'err.rename'],
  [/^a catch-all \(\*\) is not/, 'err.catchall_elsewhere'],
  [/current password is wrong/, 'err.current_password'],
  [/has already been released/, 'err.already_released'],
  [/virus can only be released by an administrator/, 'err.virus_release'],
  [/request has already been decided/, 'err.already_decided'],
  [/only a newsletter can be accepted/, 'err.not_newsletter'],
  [/no sender address to accept/, 'err.no_sender'],
  // a client's plan (lib/accounts limits): the numbers and the client's name go into the text
  [/^your plan allows (?<count>\d+) domains \((?<used>\d+)/, 'err.plan_domains'],
  [/^the plan of client (?<client>\S+) allows (?<count>\d+) domains \((?<used>\d+)/, 'err.client_plan_domains'],
  [/^your plan allows (?<count>\d+) mailboxes \((?<used>\d+)/, 'err.plan_mailboxes'],
  [/^the plan of client (?<client>\S+) allows (?<count>\d+) mailboxes \((?<used>\d+)/, 'err.client_plan_mailboxes'],
  [/^your plan allows (?<count>\d+) MB of mailbox quota in all \((?<used>\d+)/, 'err.plan_quota'],
  [/^the plan of client (?<client>\S+) allows (?<count>\d+) MB of mailbox quota in all \((?<used>\d+)/, 'err.client_plan_quota'],
  [/^your plan allows (?<count>\d+) MB of mailbox quota in all: every mailbox/, 'err.plan_unlimited'],
  [/^the plan of client (?<client>\S+) allows (?<count>\d+) MB of mailbox quota in all: every mailbox/, 'err.client_plan_unlimited'],
  [/^a limit must be a whole number/, 'err.limit'],
  [/^your plan does not include/, 'err.permission_beyond'],
  [/^you are not allowed to change this/, 'err.not_allowed'],
];

/** The translated text of a lib error; named groups of its pattern are the text's variables. */
export function translateError(t: T, err: MailhostError | Error): string {
  for (const [re, key] of LIB_MESSAGES) {
    const m = re.exec(err.message);
    if (!m) continue;
    const vars: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(m.groups ?? {})) vars[name] = /^\d+$/.test(value) ? Number(value) : value;
    return t(key, vars);
  }
  return err.message;
}
