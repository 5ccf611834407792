// Dates of autoreplies: stored as ISO-8601 UTC strings of fixed width
// ("2026-11-23T08:00:00.000Z") so both engines compare them as plain strings.
import { invalid } from '../core';

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export function toIso(d: Date): string {
  return d.toISOString();
}

const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a date given by a person or a form: ISO 8601 (`2026-12-01`, `2026-12-01T08:30`,
 * `2026-12-01 08:30:00+01:00`, `...Z`) or a Date. Without a zone the time is taken as UTC
 * (the admin converts from the user's time zone before calling). Returns the ISO UTC string.
 */
export function parseWhen(input: Date | string, field: string): string {
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) throw invalid(field, 'invalid date');
    return toIso(input);
  }
  const s = String(input).trim();
  const m = ISO_LIKE.exec(s);
  if (!m) throw invalid(field, `invalid date "${s}" (use ISO 8601, e.g. 2026-12-01T08:00Z)`);
  const [, y, mo, d, h = '00', mi = '00', sec = '00', ms = '0', zone] = m;
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(ms.padEnd(3, '0')));
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    throw invalid(field, `invalid date "${s}"`);
  }
  let offset = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  const t = base - offset;
  if (Number.isNaN(t) || Number(y) < 1970 || Number(y) > 9999) throw invalid(field, `invalid date "${s}"`);
  return toIso(new Date(t));
}

/** True when `now` is inside [starts_at, ends_at) (a null bound is open). */
export function windowContains(startsAt: string | null, endsAt: string | null, now: Date): boolean {
  const n = toIso(now);
  return (startsAt === null || startsAt <= n) && (endsAt === null || n < endsAt);
}
