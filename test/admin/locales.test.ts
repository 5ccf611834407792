import assert from 'node:assert/strict';
import { localeStrings, SUPPORTED_LANGUAGES } from '../../admin/i18n';

function keys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe('admin locales', () => {
  it('every language defines the same strings (main file plus per-feature files)', () => {
    const [first, ...rest] = SUPPORTED_LANGUAGES.map((lang) => ({ lang, keys: new Set(keys(localeStrings(lang))) }));
    for (const other of rest) {
      const missing = [...first.keys].filter((k) => !other.keys.has(k));
      const extra = [...other.keys].filter((k) => !first.keys.has(k));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${other.lang} against ${first.lang}`);
    }
  });

  it('a string left empty on purpose (no button) is empty in every language', () => {
    const emptyIn = SUPPORTED_LANGUAGES.map((lang) => {
      const strings = localeStrings(lang);
      const value = (key: string) => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], strings);
      return keys(strings).filter((k) => typeof value(k) === 'string' && !String(value(k)).trim()).sort();
    });
    for (const other of emptyIn.slice(1)) assert.deepEqual(other, emptyIn[0]);
  });
});
