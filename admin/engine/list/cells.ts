// Text of one list cell, formatted for the language: one formatter per column format.
import { displayAddress, displayDomain } from '../../../lib/core';
import type { Formatters, T } from '../../i18n';
import type { ColumnDef } from '../types';

type Format = NonNullable<ColumnDef['format']>;
type CellFormatter = (v: unknown, col: ColumnDef, t: T, fmt: Formatters, row: Record<string, unknown>) => string;

const plain = (v: unknown): string => (v == null ? '' : String(v));

/** A usage bar: the share of the limit used (null: no limit), in 5 % steps for the CSS width classes. */
export interface UsageBar {
  percent: number | null;
  /** 0, 5, ... 100: the bar's width class (usage-w-<step>) */
  step: number;
  /** ok below 90 %, warn from 90 %, full at 100 % */
  level: 'ok' | 'warn' | 'full';
  text: string;
}

export function usageBar(col: ColumnDef, row: Record<string, unknown>, t: T, fmt: Formatters): UsageBar {
  const used = Number(row[col.name] ?? 0) || 0;
  const limit = (Number(row[col.usageOf?.limit ?? ''] ?? 0) || 0) * (col.usageOf?.scale ?? 1);
  if (limit <= 0) return { percent: null, step: 0, level: 'ok', text: `${fmt.bytes(used)} / ${t('common.unlimited')}` };
  const percent = Math.round((used / limit) * 100);
  const step = Math.min(100, Math.round(percent / 5) * 5);
  const level = percent >= 100 ? 'full' : percent >= 90 ? 'warn' : 'ok';
  return { percent, step, level, text: `${fmt.bytes(used)} / ${fmt.bytes(limit)} (${fmt.number(percent)} %)` };
}

const FORMATS: Record<Format, CellFormatter> = {
  text: plain,
  date: (v, _c, _t, fmt) => fmt.date(v),
  number: (v, _c, _t, fmt) => fmt.number(v),
  bytes: (v, _c, _t, fmt) => fmt.bytes(v),
  mb: (v, _c, t, fmt) => (Number(v) ? `${fmt.number(v)} ${t('unit.mb')}` : t('common.unlimited')),
  domain: (v) => displayDomain(String(v ?? '')),
  address: (v) => displayAddress(String(v ?? '')),
  list: (v) =>
    (Array.isArray(v) ? v : String(v ?? '').split(/[,;\s]+/))
      .filter(Boolean)
      .map((a) => displayAddress(String(a)))
      .join(', '),
  i18n: (v, col, t) => t(`${col.i18nPrefix ?? ''}${v}`),
  bool: (v, _c, t) => (v ? t('common.yes') : t('common.no')),
  usage: (_v, col, t, fmt, row) => usageBar(col, row, t, fmt).text,
};

export function cellText(col: ColumnDef, row: Record<string, unknown>, t: T, fmt: Formatters): string {
  const format = col.format ? FORMATS[col.format] : plain;
  return format(row[col.name], col, t, fmt, row);
}
