// Text of one list cell, formatted for the language: one formatter per column format.
import { displayAddress, displayDomain } from '../../../lib/core';
import type { Formatters, T } from '../../i18n';
import type { ColumnDef } from '../types';

type Format = NonNullable<ColumnDef['format']>;
type CellFormatter = (v: unknown, col: ColumnDef, t: T, fmt: Formatters) => string;

const plain = (v: unknown): string => (v == null ? '' : String(v));

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
};

export function cellText(col: ColumnDef, row: Record<string, unknown>, t: T, fmt: Formatters): string {
  const format = col.format ? FORMATS[col.format] : plain;
  return format(row[col.name], col, t, fmt);
}
