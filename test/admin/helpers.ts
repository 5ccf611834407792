// Admin test helpers: the real app on the test database, logged-in supertest agents that
// carry their CSRF token, and a small world of two clients with their objects.
import request from 'supertest';
import type { Express } from 'express';
import type { TestDb } from '../helpers/db';
import { createApp } from '../../admin/app';
import { loadSettings, type Db } from '../../lib/core';
import { createAccount } from '../../lib/accounts';
import { createDomain, createDomainAlias, createMailbox, createAlias } from '../../lib/directory';

export const PASSWORD = 'Secret-pass-42';

export function makeApp(t: TestDb): Express {
  const settings = loadSettings({ MAILHOST_DATA: t.dir, MAILHOST_DB: t.url });
  return createApp({ db: t.db, settings, sessionSecret: 'test-secret', sessionCleanupMs: 0 });
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}

export interface Session {
  agent: ReturnType<typeof request.agent>;
  token(): Promise<string>;
  get(path: string): request.Test;
  /** POST a form with this session's CSRF token */
  post(path: string, fields?: Record<string, string | string[]>): Promise<request.Response>;
}

function bind(agent: ReturnType<typeof request.agent>, tokenPage: string): Session {
  let token: string | undefined;
  const s: Session = {
    agent,
    async token() {
      if (!token) token = csrfFrom((await agent.get(tokenPage)).text);
      return token;
    },
    get: (path) => agent.get(path),
    async post(path, fields = {}) {
      const tok = await s.token();
      return agent.post(path).type('form').send({ ...fields, _csrf: tok });
    },
  };
  return s;
}

/** A visitor who is not logged in (token from the login page). */
export function session(app: Express): Session {
  return bind(request.agent(app), '/login');
}

/** Logs in and returns the session; fails the test when the login is refused. */
export async function login(app: Express, username: string, password = PASSWORD): Promise<Session> {
  const s = session(app);
  const r = await s.post('/login', { username, password });
  if (r.status !== 303) throw new Error(`login of ${username} answered ${r.status}`);
  // the session id (and so the CSRF token) changed at login: take the token from a logged-in page
  return bind(s.agent, '/language');
}

export interface World {
  adminId: number;
  clientA: number;
  clientB: number;
  domainA: number;
  domainB: number;
  mailboxA: number; // alice@a.test
  mailboxB: number; // bob@b.test
  postmasterA: number; // the postmaster@a.test alias
  aliasA: number;
  aliasB: number;
  forwardA: number;
  forwardB: number;
  catchallA: number;
  catchallB: number;
  domainAliasA: number;
  domainAliasB: number;
}

/** admin + two clients, each with a domain holding one of everything; all with language set. */
export async function seedWorld(db: Db): Promise<World> {
  const admin = await createAccount(db, { username: 'admin', role: 'admin', password: PASSWORD, name: 'Ada Admin', language: 'en' });
  const ca = await createAccount(db, { username: 'clienta', role: 'client', password: PASSWORD, name: 'Client A', language: 'en' });
  const cb = await createAccount(db, { username: 'clientb', role: 'client', password: PASSWORD, name: 'Client B', language: 'en' });
  const da = await createDomain(db, { name: 'a.test', clientId: ca.account.id });
  const dbb = await createDomain(db, { name: 'b.test', clientId: cb.account.id });
  const ma = await createMailbox(db, { address: 'alice@a.test', password: PASSWORD, language: 'en' });
  const mb = await createMailbox(db, { address: 'bob@b.test', password: PASSWORD, language: 'en' });
  const pa = await db('aliases').where({ address: 'postmaster@a.test' }).first('id');
  const aa = await createAlias(db, { address: 'info@a.test', targets: 'alice@a.test' });
  const ab = await createAlias(db, { address: 'info@b.test', targets: 'bob@b.test' });
  const fa = await createAlias(db, { address: 'team@a.test', targets: 'alice@a.test; x@example.org', kind: 'forward' });
  const fb = await createAlias(db, { address: 'team@b.test', targets: 'bob@b.test; y@example.org', kind: 'forward' });
  const xa = await createAlias(db, { address: '*@a.test', targets: 'alice@a.test' });
  const xb = await createAlias(db, { address: '*@b.test', targets: 'bob@b.test' });
  const daa = await createDomainAlias(db, 'a-alias.test', 'a.test');
  const dab = await createDomainAlias(db, 'b-alias.test', 'b.test');
  return {
    adminId: admin.account.id,
    clientA: ca.account.id,
    clientB: cb.account.id,
    domainA: da.id,
    domainB: dbb.id,
    mailboxA: ma.mailbox.id,
    mailboxB: mb.mailbox.id,
    postmasterA: Number(pa.id),
    aliasA: aa.id,
    aliasB: ab.id,
    forwardA: fa.id,
    forwardB: fb.id,
    catchallA: xa.id,
    catchallB: xb.id,
    domainAliasA: daa.id,
    domainAliasB: dab.id,
  };
}

/** Text of an HTML page without tags, for loose assertions. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** ids of the data rows of a list page */
export function rowIds(html: string): number[] {
  return [...html.matchAll(/<tr class="data-row" data-id="(\d+)"/g)].map((m) => Number(m[1]));
}
