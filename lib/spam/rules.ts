// Built-in rules: data in rules.json (name, points, where it applies, pattern), evaluated here.
// `where`:
//   header   pattern against every value of `header` (decoded); pseudo headers: from:addr,
//            from:name, from:domain, reply-to:domain
//   missing  the top-level header `header` is absent;  exists: it is present
//   headername  pattern against the names of the top-level headers
//   body     pattern against the decoded text (HTML as text); `min` = matches needed (default 1),
//            `distinct` = only different matched texts count
//   uri      pattern against every URL host
//   eval     a named test computed from the parsed message (see TESTS below), with `args`
// Any rule may be negated (`negate: true`). A rule with `newsletter` adds that weight to the
// newsletter evidence instead of (or as well as) spam points.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type ParsedMessage, headerValues, headerValue } from './parse';
import { baseDomain, hostOf } from './urls';
import { DEFAULT_BAYES, type BayesParams } from './bayes';
import { RegexSet } from './regexSet';

const RuleSchema = z.object({
  name: z.string().regex(/^[A-Z][A-Z0-9_]{1,60}$/),
  points: z.number().default(0),
  newsletter: z.number().optional(),
  where: z.enum(['header', 'missing', 'exists', 'headername', 'body', 'uri', 'eval']),
  header: z.string().optional(),
  pattern: z.string().optional(),
  flags: z.string().regex(/^[imsu]*$/).optional(),
  min: z.number().int().positive().optional(),
  distinct: z.boolean().optional(),
  test: z.string().optional(),
  args: z.array(z.number()).optional(),
  negate: z.boolean().optional(),
  describe: z.string().optional(),
});

const BandSchema = z.object({ min: z.number(), max: z.number(), points: z.number() });

const FileSchema = z.object({
  version: z.number(),
  newsletterThreshold: z.number().default(2),
  bayes: z
    .object({
      minSpam: z.number().optional(),
      minHam: z.number().optional(),
      unknownStrength: z.number().optional(),
      unknownProb: z.number().optional(),
      minStrength: z.number().optional(),
      maxClues: z.number().optional(),
      bands: z.array(BandSchema),
    })
    .optional(),
  external: z
    .object({
      spamassassin: z.object({ weight: z.number(), min: z.number(), max: z.number() }).optional(),
      rspamd: z.object({ weight: z.number(), min: z.number(), max: z.number() }).optional(),
      spf: z.record(z.string(), z.number()).optional(),
      dkim: z.object({ fromPass: z.number(), fail: z.number() }).optional(),
    })
    .optional(),
  autolearn: z
    .object({
      enabled: z.boolean().optional(),
      spam: z.number().optional(),
      ham: z.number().optional(),
    })
    .optional(),
  rules: z.array(RuleSchema),
});

export type RuleDef = z.infer<typeof RuleSchema>;
export type RulesFile = z.infer<typeof FileSchema>;

interface Compiled {
  def: RuleDef;
  re?: RegExp;
  /** a body rule's id in RuleSet.bodySet (null: not in the set, its regex always runs) */
  setId?: number | null;
}

export interface RuleSet {
  rules: Compiled[];
  /** the body rules' regexes, scanned for in one pass: a rule whose regex cannot match is not run */
  bodySet?: RegexSet;
  newsletterThreshold: number;
  bayes: BayesParams & { bands: { min: number; max: number; points: number }[] };
  external: NonNullable<RulesFile['external']>;
  autolearn: NonNullable<RulesFile['autolearn']>;
}

export interface RuleHit {
  rule: string;
  points: number;
  detail?: string;
}

type Test = (msg: ParsedMessage, args: number[]) => boolean | string;

/** Facts the data file can name in `eval` rules. */
export const TESTS: Record<string, Test> = {
  /** Reply-To present and its base domain differs from From's */
  reply_to_differs: (m) => !!m.replyTo?.domain && !!m.from.domain && baseDomain(m.replyTo.domain) !== baseDomain(m.from.domain) && m.replyTo.domain,
  /** HTML text but no text/plain part at all */
  html_only: (m) => m.html.parts > 0 && !m.parts.some((p) => p.type === 'text/plain' && p.text),
  /** any URL to a numeric host */
  ip_url: (m) => m.hosts.find((h) => h.ip)?.host ?? false,
  /** a link whose visible text names another domain than where it goes */
  link_text_mismatch: (m) => {
    for (const l of m.html.links) {
      // only text that reads as an address (scheme or www.), not a brand name like "Example.com"
      const shown = /^(?:https?:\/\/|www\.)((?:[a-z0-9-]+\.)*[a-z0-9-]+\.[a-z]{2,})(?:[/:?#]|$)/i.exec(l.text.trim());
      if (!shown) continue;
      const target = hostOf(l.href);
      if (target && baseDomain(target.host) !== baseDomain(shown[1].toLowerCase())) return `${shown[1]} -> ${target.host}`;
    }
    return false;
  },
  /** a text part encoded in base64 although it is plain 7-bit text */
  base64_ascii_text: (m) => m.parts.some((p) => p.text && p.encoding === 'base64' && p.ascii && p.size > 200),
  /** a part whose encoding or structure is broken */
  broken_mime: (m) => m.parts.find((p) => p.broken)?.broken ?? false,
  /** multipart or encoded content without a MIME-Version header */
  mime_no_version: (m) => !headerValue(m, 'mime-version') && m.parts.some((p) => p.type.startsWith('multipart/') || p.encoding === 'base64' || p.encoding === 'quoted-printable'),
  /** claims to be Microsoft Outlook but the Message-ID is not Outlook's */
  forged_outlook: (m) => {
    const xm = headerValue(m, 'x-mailer') ?? '';
    if (!/\bMicrosoft Outlook\b/i.test(xm) || /Express/i.test(xm)) return false;
    // Outlook's own formats: <hex$hex$hex@host> (Outlook 2000-2016), <28 letters A-P[.user]@host> (Outlook IMO/98)
    return !/^<[0-9a-f]{12,}\$[0-9a-f]{6,}\$[0-9a-f]{6,}@/i.test(m.messageId) && !/^<[A-P]{28}(\.[^@<>\s]+)?@/.test(m.messageId) && !/^<[A-Z0-9]{20,}@[a-z0-9.-]+>$/i.test(m.messageId);
  },
  /** claims to be Outlook / Outlook Express and sends HTML with no plain alternative (they never do) */
  outlook_html_only: (m) => /\bOutlook\b/i.test(headerValue(m, 'x-mailer') ?? '') && TESTS.html_only(m, []) === true,
  /** subject with at least args[0] letters, args[1]% or more of them capitals */
  subject_caps: (m, [minLetters = 10, pct = 90]) => {
    const letters = m.subject.replace(/[^\p{L}]/gu, '');
    if (letters.length < minLetters) return false;
    const caps = letters.replace(/[^\p{Lu}]/gu, '').length;
    return (caps * 100) / letters.length >= pct;
  },
  /** more than args[0] recipients in To and Cc */
  many_recipients: (m, [n = 20]) => m.recipients > n && String(m.recipients),
  /** no usable From address */
  from_invalid: (m) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(m.from.address),
  /** From display name shows an e-mail address of another domain */
  from_name_spoof: (m) => {
    const shown = /@((?:[a-z0-9-]+\.)+[a-z]{2,})/i.exec(m.from.name);
    return !!shown && !!m.from.domain && baseDomain(shown[1].toLowerCase()) !== baseDomain(m.from.domain) && shown[1];
  },
  /** HTML with at least args[0] images and under args[1] characters of text */
  image_only: (m, [imgs = 1, chars = 300]) => m.html.images.length >= imgs && m.text.replace(/\s+/g, '').length < chars,
  /** no text at all (no text part, or empty ones) */
  no_text: (m) => m.text.trim() === '' && !m.parts.some((p) => p.filename),
  /** HTML that is mostly markup: more than args[0] tags and under args[1] text characters per tag */
  html_mostly_markup: (m, [tags = 100, ratio = 3]) => m.html.tagCount > tags && m.htmlChars / m.html.tagCount < ratio,
  /** an attachment with an executable extension */
  executable_attachment: (m) => m.parts.find((p) => p.filename && /\.(exe|scr|pif|com|bat|cmd|vbs|js|jse|wsf|hta|msi|lnk|jar|ps1|cpl)$/i.test(p.filename.trim()))?.filename ?? false,
  /** more than args[0] distinct URL hosts */
  many_hosts: (m, [n = 10]) => m.hosts.length > n && String(m.hosts.length),
  /** Date header missing a valid RFC 5322 shape, unparseable, or with an impossible zone */
  date_invalid: (m) => {
    const d = headerValue(m, 'date');
    if (d === undefined) return false;
    const zone = /([+-])(\d{2})(\d{2})\s*(\([^)]*\))?\s*$/.exec(d);
    if (zone && (Number(zone[2]) > 14 || Number(zone[3]) > 59)) return d.slice(0, 60);
    return Number.isNaN(Date.parse(d.replace(/\([^)]*\)/g, '').trim())) ? d.slice(0, 60) : false;
  },
  /** Date header more than args[0] hours after (args[0] > 0) or before (args[0] < 0) the newest Received time */
  date_vs_received: (m, [hours = 24]) => {
    const d = Date.parse((headerValue(m, 'date') ?? '').replace(/\([^)]*\)/g, '').trim());
    const rcvd = headerValue(m, 'received');
    const semi = rcvd?.lastIndexOf(';') ?? -1;
    const r = semi >= 0 ? Date.parse(rcvd!.slice(semi + 1).replace(/\([^)]*\)/g, '').trim()) : NaN;
    if (Number.isNaN(d) || Number.isNaN(r)) return false;
    const diff = (d - r) / 3600000;
    return (hours > 0 ? diff > hours : diff < hours) && `${Math.round(diff)} h`;
  },
  /** From local part that looks machine-made: args[0] or more digits, or a long hex string */
  from_local_digits: (m, [digits = 4]) => {
    const local = m.from.address.slice(0, m.from.address.lastIndexOf('@'));
    return (local.replace(/\D/g, '').length >= digits && /[a-z]/i.test(local) && /\d[a-z]+\d|[a-z]\d{3,}/i.test(local)) || /^[0-9a-f]{12,}$/i.test(local) ? local : false;
  },
  /** HTML text made invisible or tiny (font size 0, display:none, visibility:hidden) */
  html_hidden_text: (m) => m.html.hidden > 0 && String(m.html.hidden),
  /** the message was too large or too complex to be read entirely */
  parse_limits: (m) => (m.limits.some((l) => l !== 'scan' && l !== 'text') ? m.limits.join(',') : false),
};

function pseudoValues(m: ParsedMessage, header: string): string[] {
  switch (header) {
    case 'from:addr':
      return [m.from.address];
    case 'from:name':
      return [m.from.name];
    case 'from:domain':
      return [m.from.domain];
    case 'reply-to:domain':
      return m.replyTo ? [m.replyTo.domain] : [];
    default:
      return headerValues(m, header);
  }
}

function compile(def: RuleDef): Compiled {
  const needs = def.where === 'header' || def.where === 'headername' || def.where === 'body' || def.where === 'uri';
  if (needs && !def.pattern) throw new Error(`rule ${def.name}: "${def.where}" needs a pattern`);
  if ((def.where === 'header' || def.where === 'missing' || def.where === 'exists') && !def.header) throw new Error(`rule ${def.name}: needs a header`);
  if (def.where === 'eval' && (!def.test || !TESTS[def.test])) throw new Error(`rule ${def.name}: unknown test ${def.test}`);
  const flags = [...new Set(`${def.flags ?? ''}${def.where === 'body' ? 'g' : ''}`.split(''))].join('');
  return { def: { ...def, header: def.header?.toLowerCase() }, re: def.pattern ? new RegExp(def.pattern, flags) : undefined };
}

export function compileRules(data: unknown): RuleSet {
  const file = FileSchema.parse(data);
  const names = new Set<string>();
  const bodySet = new RegexSet();
  const rules = file.rules.map((r) => {
    if (names.has(r.name)) throw new Error(`rule ${r.name} defined twice`);
    names.add(r.name);
    const c: Compiled = compile(r);
    if (c.def.where === 'body' && c.re) c.setId = bodySet.add(c.re);
    return c;
  });
  const { bands = [], ...bayes } = file.bayes ?? { bands: [] };
  return {
    rules,
    bodySet,
    newsletterThreshold: file.newsletterThreshold,
    bayes: { ...DEFAULT_BAYES, ...Object.fromEntries(Object.entries(bayes).filter(([, v]) => v !== undefined)), bands },
    external: file.external ?? {},
    autolearn: file.autolearn ?? {},
  };
}

export const DEFAULT_RULES_FILE = path.join(__dirname, '..', '..', '..', 'lib', 'spam', 'rules.json');

const cache = new Map<string, RuleSet>();

/** The rule set of a data file (default: lib/spam/rules.json in the source tree), loaded once per process. */
export function loadRules(file = process.env.MAILHOST_SPAM_RULES || DEFAULT_RULES_FILE): RuleSet {
  let set = cache.get(file);
  if (!set) {
    set = compileRules(JSON.parse(fs.readFileSync(file, 'utf8')));
    cache.set(file, set);
  }
  return set;
}

function fire(c: Compiled, m: ParsedMessage): boolean | string {
  const d = c.def;
  const re = c.re;
  switch (d.where) {
    case 'missing':
      return headerValue(m, d.header!) === undefined;
    case 'exists':
      return headerValue(m, d.header!) !== undefined;
    case 'header':
      for (const v of pseudoValues(m, d.header!)) if (re!.test(v)) return true;
      return false;
    case 'headername':
      for (const h of m.headers) if (re!.test(h.name)) return h.name;
      return false;
    case 'uri':
      for (const h of m.hosts) if (re!.test(h.host)) return h.host;
      return false;
    case 'body': {
      const need = d.min ?? 1;
      re!.lastIndex = 0;
      const seen = new Set<string>();
      let count = 0;
      let first = '';
      for (let x = re!.exec(m.text); x; x = re!.exec(m.text)) {
        if (x[0] === '') re!.lastIndex++;
        if (d.distinct) {
          const k = x[0].toLowerCase().replace(/\s+/g, ' ');
          if (seen.has(k)) continue;
          seen.add(k);
        }
        if (!count) first = x[0];
        if (++count >= need) return need > 1 ? `${count}x ${first.slice(0, 40)}` : first.slice(0, 60);
      }
      return false;
    }
    case 'eval':
      return TESTS[d.test!](m, d.args ?? []);
  }
}

/** Runs every rule: spam hits (non-zero points) and the newsletter evidence. */
export function runRules(m: ParsedMessage, set: RuleSet): { hits: RuleHit[]; newsletter: boolean; newsletterHits: string[] } {
  const hits: RuleHit[] = [];
  const nl: string[] = [];
  let nlScore = 0;
  let may: Uint8Array | undefined;
  for (const c of set.rules) {
    let r: boolean | string;
    try {
      if (c.setId != null) may ??= set.bodySet!.scan(m.text);
      r = c.setId != null && !may![c.setId] ? false : fire(c, m);
    } catch {
      r = false;
    }
    if (c.def.negate) r = !r;
    if (!r) continue;
    if (c.def.points) hits.push(typeof r === 'string' ? { rule: c.def.name, points: c.def.points, detail: r } : { rule: c.def.name, points: c.def.points });
    if (c.def.newsletter) {
      nlScore += c.def.newsletter;
      nl.push(c.def.name);
    }
  }
  return { hits, newsletter: nlScore >= set.newsletterThreshold, newsletterHits: nl };
}
