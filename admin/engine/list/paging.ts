// Pages of a list: PAGE_SIZE rows each, the page number from ?page=, and page links that keep
// the search filters. Fetching a page stays cheap at any depth of a huge list (rows.ts):
// a page link far from both ends also names the first row of the page it is on
// (?from=<page>.<id>), so the next, previous and nearby pages are read from that row on
// (keyset) instead of counting off every row before them; a page typed without it is read
// from whichever end of the list is nearer.
import type { Request } from 'express';

export const PAGE_SIZE = 15;
/** links to pages at least this many rows from both ends carry the anchor */
export const ANCHOR_FROM_ROWS = 1500;
/** an anchor serves pages this far from its own page (the links around the current page) */
export const ANCHOR_SPAN = 10;

/** The first row of a page the user was on: its page number and id. */
export interface Anchor {
  page: number;
  id: number;
}

export interface Paging {
  total: number;
  page: number;
  pages: number;
  /** the anchor of the link followed, when it is near enough to the requested page */
  anchor?: Anchor;
}

function anchorOf(value: unknown, page: number): Anchor | undefined {
  const m = typeof value === 'string' ? /^(\d{1,9})\.(\d{1,15})$/.exec(value) : null;
  if (!m) return undefined;
  const anchor = { page: Number(m[1]), id: Number(m[2]) };
  return anchor.page >= 1 && Math.abs(anchor.page - page) <= ANCHOR_SPAN ? anchor : undefined;
}

/** Picks the requested page of `total` rows (clamped to the last one) and the anchor given with it. */
export function pageOf(total: number, req: Request): Paging {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const asked = Number(req.query.page);
  const page = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, pages) : 1;
  return { total, page, pages, anchor: anchorOf(req.query.from, page) };
}

/** Is page p deep inside a list of `total` rows (far from both ends)? */
function deep(p: number, total: number): boolean {
  return (p - 1) * PAGE_SIZE >= ANCHOR_FROM_ROWS && total - p * PAGE_SIZE >= ANCHOR_FROM_ROWS;
}

/**
 * URL of page p with the same filters; `here` (the page shown, its first row and the list's
 * total) adds the anchor to links that go deep into a big list.
 */
export function pageUrl(base: string, search: Record<string, string>, here?: Anchor & { total: number }, sort?: string): (p: number) => string {
  return (p) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(search)) if (v) params.set(`q_${k}`, v);
    if (sort) params.set('sort', sort);
    if (p > 1) params.set('page', String(p));
    if (here && deep(p, here.total) && Math.abs(p - here.page) <= ANCHOR_SPAN) params.set('from', `${here.page}.${here.id}`);
    const s = params.toString();
    return s ? `${base}?${s}` : base;
  };
}
