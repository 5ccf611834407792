// The key lists sort names and addresses by, as their owners read them: the Unicode form of an
// IDNA domain (xn--cole-des-arts-bmb.fr reads école-des-arts.fr), lower case, accents and
// ligatures folded (é -> e, œ -> oe), so école-des-arts.fr sorts between delta.fr and
// fabrique.fr on both engines: SQLite compares bytes and would put "é" after "z", so the key
// itself carries the order and needs no collation. Stored next to the name (a `sort_key`
// column written by lib on every insert) so that lists keep sorting and paging in SQL.
import { displayAddress, displayDomain } from './address';

/** Longest key stored (the columns are 320 characters). */
export const SORT_KEY_MAX = 320;

const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', đ: 'd', ł: 'l', ı: 'i', þ: 'th', ð: 'd' };

/** Lower case, accents off, ligatures spelled out. */
export function foldForSort(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[œæßøđłıþð]/g, (c) => LIGATURES[c])
    .normalize('NFC')
    .slice(0, SORT_KEY_MAX);
}

/** Sort key of a domain stored in IDNA ASCII form. */
export function domainSortKey(ascii: string): string {
  return foldForSort(displayDomain(ascii));
}

/** Sort key of an address whose domain is stored in IDNA ASCII form. */
export function addressSortKey(address: string): string {
  return foldForSort(displayAddress(address));
}
