// The admin web application: server-rendered Express + EJS, sessions in the shared database,
// passport login for admins, clients and mailbox owners, CSRF on every changing form, strict
// CSP, Bootstrap served from node_modules. Each entity page comes from a declaration in
// admin/resources/ rendered by the generic engine in admin/engine/.
import http from 'node:http';
import path from 'node:path';
import express, { type Request, type Response, type NextFunction } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { csrfSync } from 'csrf-sync';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import { type Db, openDb, migrateLatest, dataSecret, type Settings, MailhostError, displayAddress, displayDomain } from '../lib/core';
import { ensureInitialAdmin, type Principal } from '../lib/accounts';
import { VIEWS_DIR, STATIC_DIR, packageDir } from './paths';
import { translator, formatters, fromAcceptLanguage, isSupported, DEFAULT_LANGUAGE, type T } from './i18n';
import { createPassport, authRoutes, sessionRoutes, requireLogin } from './auth';
import { resourceRouter, can, HttpError, ctxOf } from './engine/router';
import { isTimeZone, serverTimeZone } from './engine/time';
import { multipartBody } from './multipart';
import { resilientSessionStore, unavailablePage } from './resilience';
import { allResources } from './resources';
import type { ColumnDef, Ctx, ResourceDef } from './engine/types';

export interface AdminOptions {
  db: Db;
  settings: Settings;
  /** signs the session cookie; default: generated once into the data dir */
  sessionSecret?: string;
  /** set the Secure flag on the session cookie (admin served over HTTPS, or behind a TLS proxy) */
  secureCookies?: boolean;
  /** Express "trust proxy" (for the client IP used by login throttling behind a proxy) */
  trustProxy?: boolean | string | number;
  /** how often expired sessions are purged; 0 = never (tests) */
  sessionCleanupMs?: number;
  resources?: ResourceDef[];
}

export const SESSION_COOKIE = 'mailhost.sid';
const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000; // a working day

interface MenuItem {
  label: string;
  href: string;
  icon: string;
  active: boolean;
}

function menuFor(resources: ResourceDef[], p: Principal, t: T, current: string): { title: string; items: MenuItem[] }[] {
  const item = (label: string, href: string, icon: string): MenuItem => ({
    label,
    href,
    icon,
    active: current === href || current.startsWith(`${href}/`) || (href !== '/' && current.startsWith(`${href}?`)),
  });
  if (p.role === 'user') {
    const own = resources.filter((r) => !r.parent && can(r, 'user', 'list')).map((r) => item(t(`res.${r.name}.title`), `/${r.name}`, r.icon));
    return [{ title: t('menu.my_space'), items: [item(t('menu.my_mailbox'), `/mailboxes/${p.id}`, 'mailbox'), ...own] }];
  }
  const sections: { title: string; items: MenuItem[] }[] = [];
  for (const section of ['mail', 'system'] as const) {
    const items = resources.filter((r) => !r.parent && r.section === section && can(r, p.role, 'list')).map((r) => item(t(`res.${r.name}.title`), `/${r.name}`, r.icon));
    if (items.length) sections.push({ title: t(`menu.${section}`), items });
  }
  if (p.role === 'client') sections.push({ title: t('menu.my_space'), items: [item(t('menu.my_account'), `/accounts/${p.id}`, 'person-circle')] });
  return sections;
}

/** Text of one list cell, formatted for the language. */
function cellText(col: ColumnDef, row: Record<string, unknown>, t: T, fmt: ReturnType<typeof formatters>): string {
  const v = row[col.name];
  switch (col.format) {
    case 'date':
      return fmt.date(v);
    case 'number':
      return fmt.number(v);
    case 'bytes':
      return fmt.bytes(v);
    case 'mb':
      return Number(v) ? `${fmt.number(v)} ${t('unit.mb')}` : t('common.unlimited');
    case 'domain':
      return displayDomain(String(v ?? ''));
    case 'address':
      return displayAddress(String(v ?? ''));
    case 'list':
      return (Array.isArray(v) ? v : String(v ?? '').split(/[,;\s]+/))
        .filter(Boolean)
        .map((a) => displayAddress(String(a)))
        .join(', ');
    case 'i18n':
      return t(`${col.i18nPrefix ?? ''}${v}`);
    case 'bool':
      return v ? t('common.yes') : t('common.no');
    default:
      return v == null ? '' : String(v);
  }
}

export function createApp(opts: AdminOptions): express.Express {
  const { db, settings } = opts;
  const resources = opts.resources ?? allResources();
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.set('x-powered-by', false);
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'], // Bootstrap draws checkboxes and select arrows with data: SVGs
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      strictTransportSecurity: opts.secureCookies ? undefined : false,
    }),
  );

  // Bootstrap and its icons straight from node_modules: nothing from a CDN
  const staticOpts = { maxAge: '1d', index: false as const };
  app.use('/static/bootstrap', express.static(path.join(packageDir('bootstrap'), 'dist'), staticOpts));
  app.use('/static/icons', express.static(path.join(packageDir('bootstrap-icons'), 'font'), staticOpts));
  app.use('/static/admin', express.static(STATIC_DIR, staticOpts));

  app.use(express.urlencoded({ extended: false, limit: '2mb' })); // autoreply texts may be 100,000 characters each
  const registry = new Map(resources.map((r) => [r.name, r]));

  const store = new ConnectSessionKnexStore({ knex: db, tableName: 'sessions', createTable: false, cleanupInterval: opts.sessionCleanupMs ?? 15 * 60 * 1000 });
  app.locals.sessionStore = store;
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: opts.sessionSecret ?? dataSecret(settings.dataDir, 'session', process.env.MAILHOST_SESSION_SECRET),
      store: resilientSessionStore(store),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: !!opts.secureCookies, maxAge: SESSION_MAX_AGE_MS, path: '/' },
    }),
  );

  const passport = createPassport(db);
  app.use(passport.initialize());
  app.use(passport.session());
  // file uploads (autoreply attachments): multipart forms of logged-in users only, size-limited
  app.use(multipartBody({ limitBytes: 6 * 1024 * 1024 }));

  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  });

  // per-request locals: language, translator, formatters, user, menu, CSRF token, flash
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const principal = req.user as Principal | undefined;
    const present: ResourceDef[] = [];
    if (principal) for (const r of resources) if (!r.available || (await r.available(db))) present.push(r);
    const sessionTz = (req.session as unknown as { tz?: string }).tz;
    const timeZone = isTimeZone(sessionTz) ? sessionTz : serverTimeZone();
    const setLang = (lang: string) => {
      const t = translator(lang);
      const fmt = formatters(lang, timeZone);
      res.locals.lang = lang;
      res.locals.t = t;
      res.locals.fmt = fmt;
      res.locals.cell = (col: ColumnDef, row: Record<string, unknown>) => cellText(col, row, t, fmt);
      res.locals.menu = principal ? menuFor(present, principal, t, req.path) : [];
      if (principal) res.locals.ctx = { db, principal, t, lang, timeZone } satisfies Ctx;
    };
    const chosen = principal?.language || req.session.lang;
    setLang(isSupported(chosen) ? chosen : fromAcceptLanguage(req.get('accept-language')) || DEFAULT_LANGUAGE);
    res.locals.switchLanguage = setLang;
    res.locals.principal = principal ?? null;
    res.locals.currentPath = req.originalUrl;
    res.locals.csrfToken = () => generateToken(req);
    // read by the layout only when a page is rendered, so a redirect never swallows a message
    res.locals.takeFlash = () => {
      const f = req.session.flash ?? [];
      delete req.session.flash;
      return f;
    };
    res.locals.title = '';
    next();
  });

  app.use(csrfSynchronisedProtection);

  app.use(authRoutes(db, passport));
  app.use(requireLogin);
  app.use(sessionRoutes(db));

  // @route GET /   dashboard (users go straight to their mailbox)
  app.get('/', async (req, res) => {
    const ctx = ctxOf(res);
    if (ctx.principal.role === 'user') return res.redirect(303, `/mailboxes/${ctx.principal.id}`);
    const cards = [];
    for (const r of resources) {
      if (r.parent || !can(r, ctx.principal.role, 'list') || (r.available && !(await r.available(db)))) continue;
      const [{ n }] = await r.scope(db, ctx.principal).count({ n: '*' });
      cards.push({ label: ctx.t(`res.${r.name}.title`), href: `/${r.name}`, icon: r.icon, count: ctx.t('common.count', { count: Number(n), formatted: res.locals.fmt.number(n) }) });
    }
    res.render('home', { title: ctx.t('home.title'), cards });
  });

  for (const r of resources) {
    // a child resource lives under its parent's rows: /mailboxes/7/autoreplies
    app.use(r.parent ? `/${r.parent.resource}/:pid/${r.name}` : `/${r.name}`, resourceRouter(r, registry));
  }

  app.use((req, res) => {
    res.status(404).render('error', { title: res.locals.t('error.404'), status: 404, message: res.locals.t('error.404_text') });
  });

  app.use(unavailablePage); // database faults: 503 "temporarily unavailable"; errors after the page was sent: logged
  // one place maps errors to pages: 404 for anything out of scope, 403 for a stale form
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const e = err as { code?: string; status?: number; statusCode?: number; message?: string };
    let status = 500;
    if (err instanceof HttpError) status = err.status;
    else if (e?.code === 'EBADCSRFTOKEN') status = 403;
    else if (err instanceof MailhostError && err.code === 'not_found') status = 404;
    else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) status = e.status;
    if (status === 500) console.error('admin:', err);
    const t: T = res.locals.t ?? translator(DEFAULT_LANGUAGE);
    if (!res.locals.t) {
      res.locals.t = t;
      res.locals.lang = DEFAULT_LANGUAGE;
    }
    const key = status === 404 ? '404' : status === 403 ? '403' : status === 413 ? '413' : '500';
    res.status(status).render('error', { title: t(`error.${key}`), status, message: t(`error.${key}_text`) });
  });

  return app;
}

/**
 * Runs the admin on settings.httpListen next to Haraka: migrates the database, creates the
 * first admin when none exists (printing its password once through `log`), listens, and
 * returns a function that stops the server and closes the database.
 */
export async function startAdmin(
  settings: Settings,
  opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<(() => Promise<void>) & { url: string }> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => console.log(line));
  const db = openDb(settings.db);
  await migrateLatest(db);
  const created = await ensureInitialAdmin(db, env);
  if (created) {
    log(
      created.generated
        ? `mailhost admin: created account "${created.username}" with password: ${created.password} (shown once; change it after logging in)`
        : `mailhost admin: created account "${created.username}" with the password from MAILHOST_ADMIN_PASSWORD`,
    );
  }
  const app = createApp({
    db,
    settings,
    secureCookies: /^(1|yes|true)$/i.test(env.MAILHOST_COOKIE_SECURE ?? ''),
    trustProxy: env.MAILHOST_TRUST_PROXY ? (/^\d+$/.test(env.MAILHOST_TRUST_PROXY) ? Number(env.MAILHOST_TRUST_PROXY) : env.MAILHOST_TRUST_PROXY) : undefined,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.httpListen.port, settings.httpListen.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : settings.httpListen.port;
  const url = `http://${settings.httpListen.host.includes(':') ? `[${settings.httpListen.host}]` : settings.httpListen.host}:${port}`;
  log(`mailhost admin: listening on ${url}`);
  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    const store = app.locals.sessionStore as ConnectSessionKnexStore;
    if (store.nextDbCleanup) clearTimeout(store.nextDbCleanup);
    await db.destroy();
  };
  return Object.assign(close, { url });
}
