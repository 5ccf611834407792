// The admin web application: server-rendered Express + EJS, sessions in the shared database,
// passport login for admins, clients and mailbox owners, CSRF on every changing form, strict
// CSP, Bootstrap served from node_modules. Each entity page comes from a declaration in
// admin/resources/ rendered by the generic engine in admin/engine/; the middleware pieces are
// in admin/setup/, errors to pages in engine/errors.ts.
import http from 'node:http';
import express from 'express';
import { csrfSync } from 'csrf-sync';
import type { ConnectSessionKnexStore } from 'connect-session-knex';
import { type Db, openDb, migrateLatest, type Settings } from '../lib/core';
import { smtpSender, linkSecret, publicBaseUrl, type MailSender } from '../lib/quarantine';
import { linkRoutes } from './quarantine/linkPages';
import type { QuarantineServices } from './quarantine/services';
import { ensureInitialAdmin } from '../lib/accounts';
import { VIEWS_DIR } from './paths';
import { createPassport, authRoutes, sessionRoutes, requireLogin } from './auth';
import { errorPage, notFoundPage } from './engine/errors';
import type { ResourceDef } from './engine/types';
import { multipartBody } from './multipart';
import { unavailablePage } from './resilience';
import { allResources } from './resources';
import { homeRoutes } from './setup/home';
import { helpRoutes } from './setup/help';
import { statsRoutes } from './setup/stats';
import { passwordRoutes } from './setup/password';
import { sessionsRoutes } from './setup/sessionsPage';
import { requestLocals } from './setup/locals';
import { mountResources } from './setup/resources';
import { securityHeaders } from './setup/security';
import { sessions, stopSessionCleanup } from './setup/session';
import { serveStatic } from './setup/static';

export { SESSION_COOKIE } from './setup/session';

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
  /** how notices and answers of the quarantine space are sent; default SMTP to MAILHOST_RELAY, else the local Haraka */
  send?: MailSender;
}

function baseApp(opts: AdminOptions): express.Express {
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // compile each template once, not on every page (Express only does so when NODE_ENV=production)
  app.set('view cache', true);
  app.set('x-powered-by', false);
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  return app;
}

/** Session, login, uploads and the per-request locals, in the order each needs the previous. */
function sessionAndAuth(app: express.Express, opts: AdminOptions, resources: ResourceDef[], services: QuarantineServices): void {
  const { middleware, store } = sessions(opts);
  app.locals.sessionStore = store;
  app.use(middleware);
  const passport = createPassport(opts.db);
  app.use(passport.initialize());
  app.use(passport.session());
  // file uploads (autoreply attachments): multipart forms of logged-in users only, size-limited
  app.use(multipartBody({ limitBytes: 6 * 1024 * 1024 }));
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  });
  app.use(requestLocals(opts.db, resources, (req) => generateToken(req)));
  app.use(csrfSynchronisedProtection);
  app.use(authRoutes(opts.db, passport));
  // the manual: open before signing in too; also gives every page its header's help link
  app.use(helpRoutes(opts.settings));
  // lost password: the emailed link is the authority, no login
  app.use(passwordRoutes(opts.db, { send: services.send, baseUrl: publicBaseUrl(opts.settings) }));
  // the digest's signed links: the token is the authority, no login
  app.use(linkRoutes(opts.db, services, linkSecret(opts.settings.dataDir)));
  app.use(requireLogin);
  app.use(sessionRoutes(opts.db));
  app.use(sessionsRoutes(opts.db));
}

export function createApp(opts: AdminOptions): express.Express {
  const services: QuarantineServices = { dataDir: opts.settings.dataDir, send: opts.send ?? smtpSender(opts.settings) };
  const helpdesk = { send: services.send, baseUrl: publicBaseUrl(opts.settings), postmaster: opts.settings.postmaster };
  const resources = opts.resources ?? allResources(opts.settings, services, helpdesk);
  const app = baseApp(opts);
  app.use(securityHeaders(opts));
  serveStatic(app);
  app.use(express.urlencoded({ extended: false, limit: '2mb' })); // autoreply texts may be 100,000 characters each
  sessionAndAuth(app, opts, resources, services);
  app.use(homeRoutes(opts.db, resources, opts.settings));
  app.use(statsRoutes(opts.db));
  mountResources(app, resources);
  app.use(notFoundPage);
  app.use(unavailablePage); // database faults: 503 "temporarily unavailable"; errors after the page was sent: logged
  app.use(errorPage); // one place maps errors to pages
  return app;
}

function listenUrl(settings: Settings, server: http.Server): string {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : settings.httpListen.port;
  const host = settings.httpListen.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Migrates the database and creates the first admin when none exists (printing its password once). */
async function prepareDb(settings: Settings, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<Db> {
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
  return db;
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
  const db = await prepareDb(settings, env, log);
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
  const url = listenUrl(settings, server);
  log(`mailhost admin: listening on ${url}`);
  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    stopSessionCleanup(app.locals.sessionStore as ConnectSessionKnexStore);
    await db.destroy();
  };
  return Object.assign(close, { url });
}
