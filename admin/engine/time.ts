// Dates typed and shown in the user's time zone, stored as ISO UTC strings. Plain Intl: no
// time-zone library. An <input type="datetime-local"> value ("2026-12-20T08:00") is a wall
// clock time in the chosen zone.

const SERVER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

let zones: string[] | undefined;

/** Every IANA zone this Node knows, plus UTC. */
export function timeZones(): string[] {
  if (!zones) {
    const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    const list = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [SERVER_ZONE];
    zones = [...new Set(['UTC', ...list])];
  }
  return zones;
}

export function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || !tz || tz.length > 64) return false;
  if (timeZones().includes(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function serverTimeZone(): string {
  return SERVER_ZONE;
}

const partsFmt = new Map<string, Intl.DateTimeFormat>();

function wallClock(d: Date, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let f = partsFmt.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    partsFmt.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(d)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return { y: p.year, mo: p.month, d: p.day, h: p.hour === 24 ? 0 : p.hour, mi: p.minute, s: p.second };
}

/** Offset of the zone from UTC at that instant, in ms (Paris in winter: +3600000). */
function offsetAt(d: Date, tz: string): number {
  const w = wallClock(d, tz);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(d.getTime() / 1000) * 1000;
}

/** "2026-12-20T08:00" in `tz` -> the Date; null when it does not parse. */
export function fromZonedInput(value: string, tz: string): Date | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  // two passes settle the offset, also right after a DST change
  let t = asUtc - offsetAt(new Date(asUtc), tz);
  t = asUtc - offsetAt(new Date(t), tz);
  return new Date(t);
}

/** ISO/Date -> the value of a datetime-local input in `tz`. */
export function toZonedInput(v: unknown, tz: string): string {
  if (v == null || v === '') return '';
  const d = v instanceof Date ? v : new Date(String(v));
  if (Number.isNaN(d.getTime())) return '';
  const w = wallClock(d, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.y}-${p(w.mo)}-${p(w.d)}T${p(w.h)}:${p(w.mi)}`;
}

/** A day typed in `tz` ("2026-11-29") as epoch ms at its start, `plusDays` later; NaN when malformed. */
export function dayStartMs(value: string, tz: string, plusDays = 0): number {
  const d = /^\d{4}-\d\d-\d\d$/.test(value) ? fromZonedInput(`${value}T00:00`, tz) : null;
  // the next day's midnight, computed as a wall clock (a DST day is 23 or 25 hours long)
  if (d && plusDays) {
    const next = new Date(Date.UTC(Number(value.slice(0, 4)), Number(value.slice(5, 7)) - 1, Number(value.slice(8, 10)) + plusDays));
    return fromZonedInput(`${next.toISOString().slice(0, 10)}T00:00`, tz)?.getTime() ?? NaN;
  }
  return d ? d.getTime() : NaN;
}
