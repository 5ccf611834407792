// Login for the three roles (admin and client accounts, mailbox owners), logout, and the
// language choice asked at first login. Passwords and throttling live in lib/accounts.ts.
import express, { type Request, type Response, type NextFunction } from 'express';
import passportModule from 'passport';

type Authenticator = InstanceType<typeof passportModule.Passport>;
import { Strategy as LocalStrategy } from 'passport-local';
import type { Db } from '../lib/core';
import { authenticate, endSessionsOf, loadPrincipal, principalKey, setPrincipalLanguage, wantsSingleSession, type LoginRecord, type Principal } from '../lib/accounts';
import { isSupported } from './i18n';
import { flash } from './engine/flash';
import { SESSION_COOKIE } from './setup/session';

declare module 'express-session' {
  interface SessionData {
    lang?: string;
    flash?: { type: string; text: string }[];
    /** where and when this session logged in (the sessions page, lib/accounts/sessions.ts) */
    login?: LoginRecord;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // what passport puts in req.user
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Principal {}
  }
}

export function createPassport(db: Db): Authenticator {
  const passport = new passportModule.Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'username', passwordField: 'password', passReqToCallback: true }, (req, username, password, done) => {
      authenticate(db, username, password, req.ip ?? '')
        .then((r) => (r.ok ? done(null, r.principal) : done(null, false, { message: r.reason })))
        .catch(done);
    }),
  );
  passport.serializeUser((user, done) => done(null, principalKey(user as Principal)));
  passport.deserializeUser((key: string, done) => {
    // reloaded on every request: a deactivated account or mailbox is logged out at once
    loadPrincipal(db, key)
      .then((p) => done(null, p ?? false))
      .catch(done);
  });
  return passport;
}

/** A local path to go back to (never another site). */
function localPath(value: unknown, fallback = '/'): string {
  const s = typeof value === 'string' ? value : '';
  return /^\/(?![/\\])[\w\-./?=&%+~]*$/.test(s) ? s : fallback;
}

export function authRoutes(db: Db, passport: Authenticator): express.Router {
  const router = express.Router();

  // @route GET /login   (?lang=fr|en: the flags under the form)
  router.get('/login', (req, res) => {
    if (isSupported(req.query.lang)) {
      req.session.lang = req.query.lang;
      res.locals.switchLanguage(req.query.lang);
    }
    if (req.user) return res.redirect(303, '/');
    res.render('login', { title: res.locals.t('login.title'), username: '', error: null });
  });

  // @route POST /login
  router.post('/login', (req, res, next) => {
    const username = typeof req.body?.username === 'string' ? req.body.username.slice(0, 320) : '';
    passport.authenticate('local', (err: unknown, user: Principal | false, info?: { message?: string }) => {
      if (err) return next(err);
      if (!user) {
        const throttled = info?.message === 'throttled';
        return res.status(throttled ? 429 : 401).render('login', {
          title: res.locals.t('login.title'),
          username,
          error: res.locals.t(throttled ? 'login.throttled' : 'login.invalid'),
        });
      }
      const lang = req.session.lang;
      // passport regenerates the session id here (no fixation)
      req.login(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        if (lang) req.session.lang = lang;
        req.session.login = { ip: req.ip ?? '', userAgent: String(req.get('user-agent') ?? '').slice(0, 300), atMs: Date.now() };
        // a login that refuses simultaneous sessions ends the others (this one is saved as the response ends)
        wantsSingleSession(db, user)
          .then((single) => (single ? endSessionsOf(db, principalKey(user), req.sessionID) : 0))
          .then(() => res.redirect(303, user.language ? '/' : '/language'), next);
      });
    })(req, res, next);
  });

  return router;
}

export function requireLogin(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  res.redirect(303, '/login');
}

export function sessionRoutes(db: Db): express.Router {
  const router = express.Router();

  // @route POST /logout
  router.post('/logout', (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      req.session.destroy(() => {
        res.clearCookie(SESSION_COOKIE);
        res.redirect(303, '/login');
      });
    });
  });

  // @route GET /language   (asked at first login; reachable from the top bar too)
  router.get('/language', (req, res) => {
    res.render('language', { title: res.locals.t('language.title'), back: localPath(req.query.back) });
  });

  // @route POST /language
  router.post('/language', async (req, res) => {
    const lang = req.body?.language;
    const back = localPath(req.body?.back);
    if (!isSupported(lang)) {
      flash(req, 'danger', res.locals.t('err.language'));
      return res.redirect(303, '/language');
    }
    await setPrincipalLanguage(db, req.user!, lang);
    req.session.lang = lang;
    res.locals.switchLanguage(lang);
    flash(req, 'success', res.locals.t('flash.language'));
    res.redirect(303, back);
  });

  return router;
}
