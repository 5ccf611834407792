// Per-request locals for the views: language (the principal's, else the session's, else the
// browser's), translator and formatters, the menu, the engine's Ctx, the CSRF token, flash.
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { Db } from '../../lib/core';
import type { Principal } from '../../lib/accounts';
import { present } from '../engine/access';
import { cellText, usageBar } from '../engine/list/cells';
import { isTimeZone, serverTimeZone } from '../engine/time';
import type { ColumnDef, Ctx, ResourceDef } from '../engine/types';
import { translator, formatters, fromAcceptLanguage, isSupported, DEFAULT_LANGUAGE } from '../i18n';
import { menuFor } from './menu';

async function presentResources(db: Db, resources: ResourceDef[]): Promise<ResourceDef[]> {
  const out: ResourceDef[] = [];
  for (const r of resources) if (await present(r, db)) out.push(r);
  return out;
}

export function requestLocals(db: Db, resources: ResourceDef[], csrfToken: (req: Request) => string): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const principal = req.user as Principal | undefined;
    const shown = principal ? await presentResources(db, resources) : [];
    const sessionTz = (req.session as unknown as { tz?: string }).tz;
    const timeZone = isTimeZone(sessionTz) ? sessionTz : serverTimeZone();
    // also called by the language switch, so the page that confirms it is already in the new language
    const setLang = (lang: string) => {
      const t = translator(lang);
      const fmt = formatters(lang, timeZone);
      res.locals.lang = lang;
      res.locals.t = t;
      res.locals.fmt = fmt;
      res.locals.cell = (col: ColumnDef, row: Record<string, unknown>) => cellText(col, row, t, fmt);
      res.locals.usageBar = (col: ColumnDef, row: Record<string, unknown>) => usageBar(col, row, t, fmt);
      res.locals.menu = principal ? menuFor(shown, principal, t, req.path) : [];
      if (principal) res.locals.ctx = { db, principal, t, lang, timeZone } satisfies Ctx;
    };
    const chosen = principal?.language || req.session.lang;
    setLang(isSupported(chosen) ? chosen : fromAcceptLanguage(req.get('accept-language')) || DEFAULT_LANGUAGE);
    res.locals.switchLanguage = setLang;
    res.locals.principal = principal ?? null;
    res.locals.currentPath = req.originalUrl;
    res.locals.csrfToken = () => csrfToken(req);
    // read by the layout only when a page is rendered, so a redirect never swallows a message
    res.locals.takeFlash = () => {
      const f = req.session.flash ?? [];
      delete req.session.flash;
      return f;
    };
    res.locals.title = '';
    next();
  };
}
