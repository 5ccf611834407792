// The `eval:` tests of SpamAssassin rule files we implement, chosen by how often they fire on
// spam in SpamAssassin's own mass-check figures (STATISTICS-set0.txt: HTML and MIME shape,
// free-mail senders, shifted dates, Bayes) and by how many meta rules use them. Each entry
// takes the rule's arguments once, at load time, and returns the test, or a reason why those
// arguments are not supported (the rule is then skipped and counted). Network tests (DNS
// blocklists, Razor, Pyzor, DCC), relay analysis and image decoding are not implemented.
import { headerValue } from './parse';
import type { SaView } from './saview';

export type SaTest = (v: SaView) => boolean | number;
type Factory = (args: string[]) => SaTest | string;

/** Whether a probability falls in a check_bayes band (the top band includes 1). */
export function inBand(b: { lo: number; hi: number }, p: number): boolean {
  return p >= b.lo && (b.hi >= 1 ? p <= b.hi : p < b.hi);
}

/** The probability band of check_bayes(min, max). */
export function bayesRange([min, max]: string[]): { lo: number; hi: number } {
  return { lo: num(min, 0), hi: num(max, 1) };
}

function num(s: string | undefined, dflt: number): number {
  if (s === undefined || s === 'undef' || s === '') return dflt;
  const n = Number(s);
  return Number.isFinite(n) ? n : dflt;
}

function isFreemail(v: SaView, addr: string | undefined): boolean {
  if (!addr) return false;
  const at = addr.lastIndexOf('@');
  if (at < 0) return false;
  const domain = addr.slice(at + 1).toLowerCase().replace(/[>\s]+$/, '');
  const fm = v.freemail;
  if (fm.has(domain)) return true;
  // wildcard entries (e.g. yahoo.*) are kept as "yahoo."
  const first = domain.split('.')[0];
  return fm.has(`${first}.`);
}

function addressesIn(s: string | undefined): string[] {
  if (!s) return [];
  return s.match(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g) ?? [];
}

/**
 * Hours between the Date header and the Received times, as SpamAssassin computes it: local
 * fetchmail/localhost hops on top are left out, and of all the others the smallest difference
 * wins (0 when unknown).
 */
const shifts = new WeakMap<SaView, number>();

function dateShift(v: SaView): number {
  let h = shifts.get(v);
  if (h === undefined) shifts.set(v, (h = computeShift(v)));
  return h;
}

function computeShift(v: SaView): number {
  const clean = (s: string) => Date.parse(s.replace(/\([^)]*\)/g, '').trim());
  const d = clean(headerValue(v.msg, 'date') ?? '');
  if (Number.isNaN(d)) return 0;
  const rcvd = v.msg.headers.filter((h) => h.name === 'received').map((h) => h.value);
  if (rcvd.length && (/\bfrom (?:localhost\s|(?:\S+ ){1,2}\S*\b127\.0\.0\.1\b)/.test(rcvd[0]) || /qmail \d+ invoked by uid \d+/.test(rcvd[0]))) {
    const first = rcvd.shift()!;
    if (!(rcvd.length && /\bby localhost with \w+ \(fetchmail-[\d.]+/.test(rcvd[0]))) rcvd.unshift(first);
    else rcvd.shift();
  }
  const diffs: number[] = [];
  for (const r of rcvd) {
    const m = /(\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+)/.exec(r);
    const t = m ? clean(m[1]) : NaN;
    if (!Number.isNaN(t)) diffs.push((d - t) / 3600000);
  }
  if (diffs.length > 1 && diffs[diffs.length - 1] === 0) diffs.pop();
  if (!diffs.length) return 0;
  return diffs.reduce((a, b) => (Math.abs(b) < Math.abs(a) ? b : a));
}

const uppers = new WeakMap<SaView, number | undefined>();

/** Percentage of capitals among the body's letters (undefined under 200 letters); once per message. */
function upperPercent(v: SaView): number | undefined {
  if (uppers.has(v)) return uppers.get(v);
  let letters = 0;
  let caps = 0;
  const t = v.bodyText;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      caps++;
      letters++;
    } else if (c >= 97 && c <= 122) letters++;
  }
  const pct = letters < 200 ? undefined : (100 * caps) / letters;
  uppers.set(v, pct);
  return pct;
}

function htmlOnly(v: SaView): boolean {
  return v.msg.html.parts > 0 && !v.msg.parts.some((p) => p.type === 'text/plain' && p.text);
}

const HTML_TESTS: Record<string, (v: SaView) => boolean> = {
  html: (v) => v.msg.html.parts > 0,
};

const MIME_TESTS: Record<string, (v: SaView) => boolean> = {
  mime_base64_encoded_text: (v) => v.msg.parts.some((p) => p.text && p.encoding === 'base64' && !!p.ascii),
  mime_missing_boundary: (v) => v.msg.parts.some((p) => p.broken === 'boundary not found' || p.broken === 'no boundary'),
  mime_html_only: htmlOnly,
};

/** list tests over welcome/block lists: we configure none, so they never fire */
const never: Factory = () => () => false;

export const SA_EVALS: Record<string, Factory> = {
  check_bayes: (args) => {
    const band = bayesRange(args);
    return (v) => v.bayes !== undefined && inBand(band, v.bayes);
  },
  html_test: ([name]) => HTML_TESTS[name] ?? `html_test('${name}') not implemented`,
  html_tag_exists: ([tag]) => (v) => v.msg.html.tags.has(String(tag).toLowerCase()),
  html_image_only: ([min, max]) => {
    const lo = num(min, 0);
    const hi = num(max, Infinity);
    return (v) => v.msg.html.images.length > 0 && v.msg.htmlChars > lo && v.msg.htmlChars <= hi;
  },
  check_for_mime: ([name]) => MIME_TESTS[name] ?? `check_for_mime('${name}') not implemented`,
  check_for_mime_html: () => (v) => v.msg.html.parts > 0,
  check_for_mime_html_only: () => htmlOnly,
  check_mime_multipart_ratio: ([min, max]) => {
    const lo = num(min, 0);
    const hi = num(max, 1);
    return (v) => {
      if (!v.msg.plainChars || !v.msg.htmlChars) return false;
      const r = v.msg.plainChars / (v.msg.rawText.length || 1);
      return r >= lo && r < hi;
    };
  },
  check_freemail_from: ([re]) => {
    const pat = re ? new RegExp(re, 'i') : undefined;
    return (v) => isFreemail(v, v.msg.from.address) && (!pat || pat.test(v.msg.from.address));
  },
  check_freemail_header: ([header, re]) => {
    const pat = re ? new RegExp(re, 'i') : undefined;
    return (v) => addressesIn(v.header(header)).some((a) => isFreemail(v, a) && (!pat || pat.test(a)));
  },
  check_freemail_replyto: ([what]) => (v) => {
    const rt = v.msg.replyTo?.address;
    if (!rt || !isFreemail(v, rt)) return false;
    const from = v.msg.from.address;
    if (what === 'replyto') return rt !== from;
    return isFreemail(v, from) && rt !== from;
  },
  check_for_missing_to_header: () => (v) => v.header('To') === undefined && v.header('Apparently-To') === undefined,
  subject_is_all_caps: () => (v) => {
    const s = v.msg.subject.replace(/^(re|fwd?|aw|wg)\s*:\s*/i, '');
    const words = s.split(/\s+/).filter((w) => /\p{L}/u.test(w));
    return words.length >= 2 && /\p{Lu}/u.test(s) && !/\p{Ll}/u.test(s);
  },
  check_for_shifted_date: ([min, max]) => {
    const lo = num(min, -Infinity);
    const hi = num(max, Infinity);
    return (v) => {
      const h = dateShift(v);
      return h >= lo && h < hi;
    };
  },
  check_body_length: ([n]) => {
    const max = num(n, 0);
    return (v) => v.bodyText.length < max;
  },
  check_for_uppercase: ([min, max]) => {
    const lo = num(min, 0);
    const hi = num(max, 100);
    return (v) => {
      const pct = upperPercent(v);
      return pct !== undefined && pct >= lo && pct <= hi;
    };
  },
  check_illegal_chars: ([header, ratio, count]) => {
    const r = num(ratio, 0.5);
    const c = num(count, 2);
    return (v) => {
      const value = header === 'ALL' ? v.msg.headers.filter((h) => !/^(subject|from|to|cc|received)$/.test(h.name)).map((h) => h.raw).join('\n') : v.header(`${header}:raw`);
      if (!value) return false;
      // eslint-disable-next-line no-control-regex
      const illegal = (value.match(/[\x80-\xff]/g) ?? []).length;
      return illegal >= c && illegal / value.length >= r;
    };
  },
  check_header_count_range: ([header, min, max]) => {
    const lo = num(min, 0);
    const hi = num(max, Infinity);
    const lc = String(header).toLowerCase();
    return (v) => {
      const n = v.msg.headers.filter((h) => h.name === lc).length;
      return n >= lo && n <= hi;
    };
  },
  check_msg_parse_flags: ([flag]) => (flag === 'truncated' ? (v) => v.msg.limits.includes('scan') : `check_msg_parse_flags('${flag}') not implemented`),
  check_from_in_list: never,
  check_from_in_welcomelist: never,
  check_from_in_whitelist: never,
  check_from_in_blocklist: never,
  check_from_in_blacklist: never,
  check_to_in_welcomelist: never,
  check_to_in_whitelist: never,
  check_to_in_blocklist: never,
  check_to_in_blacklist: never,
  check_to_in_more_spam: never,
  check_to_in_all_spam: never,
  check_uri_host_listed: never,
  check_uri_host_in_blocklist: never,
  check_uri_host_in_blacklist: never,
  check_uri_host_in_welcomelist: never,
  check_uri_host_in_whitelist: never,
  check_subject_in_welcomelist: never,
  check_subject_in_whitelist: never,
  check_subject_in_blocklist: never,
  check_subject_in_blacklist: never,
  check_from_in_default_welcomelist: never,
  check_from_in_default_whitelist: never,
  check_forged_in_welcomelist: never,
  check_forged_in_whitelist: never,
  check_forged_in_default_welcomelist: never,
  check_forged_in_default_whitelist: never,
  check_mailfrom_matches_rcvd: never,
};

/** The test for an eval rule, or why it is not available. */
export function evalTest(fn: string, args: string[]): SaTest | string {
  const f = SA_EVALS[fn];
  if (!f) return `eval:${fn} not implemented`;
  try {
    return f(args);
  } catch (err) {
    return `eval:${fn} arguments refused: ${(err as Error).message}`;
  }
}
