// Size and count limits of an SMTP transaction, checked before anything is accepted: what we
// could not keep whole (too big, a header past what parsers read) is refused before 250, and
// recipients are capped so one transaction cannot ask for thousands of lookups.
import { REPLIES, invalid, type Reply } from '../core';

export interface SmtpLimits {
  maxBytes: number; // message size (RFC 1870 SIZE); 0 = no limit
  maxHeaderLines: number; // physical header lines; 0 = no limit
  maxRcptPerTransaction: number; // 0 = no limit
  maxRcptPerConnection: number; // 0 = no limit
}

export const DEFAULT_SMTP_LIMITS: SmtpLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxHeaderLines: 1000,
  maxRcptPerTransaction: 100,
  maxRcptPerConnection: 1000,
};

const KEYS: Record<keyof SmtpLimits, string> = {
  maxBytes: 'max_bytes',
  maxHeaderLines: 'max_header_lines',
  maxRcptPerTransaction: 'max_rcpt_per_transaction',
  maxRcptPerConnection: 'max_rcpt_per_connection',
};

/** Limits from an ini section (`[limits]` of mailhost.ini); a missing key keeps its default. */
export function parseSmtpLimits(section: Record<string, unknown> | undefined): SmtpLimits {
  const out = { ...DEFAULT_SMTP_LIMITS };
  for (const [field, key] of Object.entries(KEYS) as [keyof SmtpLimits, string][]) {
    const raw = section?.[key];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw invalid(key, `${key} must be a whole number >= 0, got "${String(raw)}"`);
    out[field] = n;
  }
  return out;
}

const over = (value: number, limit: number) => limit > 0 && value > limit;

/** MAIL FROM with SIZE=: refuse at once what will not fit. */
export function checkDeclaredSize(size: number | undefined, limits: SmtpLimits): Reply | null {
  return size !== undefined && over(size, limits.maxBytes) ? REPLIES.too_big : null;
}

/** RCPT TO: `inTransaction` / `inConnection` = recipients already accepted. */
export function checkRecipientCount(inTransaction: number, inConnection: number, limits: SmtpLimits): Reply | null {
  if (over(inTransaction + 1, limits.maxRcptPerTransaction) || over(inConnection + 1, limits.maxRcptPerConnection)) return REPLIES.too_many_recipients;
  return null;
}

/** After DATA: the size received and the header's physical lines. */
export function checkMessage(bytes: number, headerLines: number, limits: SmtpLimits): Reply | null {
  if (over(bytes, limits.maxBytes)) return REPLIES.too_big;
  if (over(headerLines, limits.maxHeaderLines)) return REPLIES.too_many_header_lines;
  return null;
}
