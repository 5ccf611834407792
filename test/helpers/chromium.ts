// Debian's Chromium driven by playwright-core (never a downloaded browser), and an app served on
// a loopback port for it: the pieces every browser test starts with, and openAdminInBrowser()
// that puts them together for the admin.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestDb, type Engine, type TestDb } from './db';
import { createApp, type AdminOptions } from '../../admin/app';
import { loadSettings } from '../../lib/core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** True (and says how to install it) when Debian's Chromium is not there: the test skips. */
export function chromiumMissing(): boolean {
  if (fs.existsSync(CHROMIUM)) return false;
  console.log(`    (skipped: ${CHROMIUM} is missing — install it with: apt-get install -y chromium)`);
  return true;
}

export interface Served {
  base: string;
  close(): Promise<void>;
}

/** Serves an Express app (any request listener) on 127.0.0.1, a free port. */
export async function serve(app: RequestListener): Promise<Served> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A headless Chromium with a throw-away profile. */
export async function launchChromium(viewport = { width: 1280, height: 860 }): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mailhost-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface AdminInBrowser {
  t: TestDb;
  app: Express;
  base: string;
  context: BrowserContext;
  page: Page;
  /** what the console said about Content-Security-Policy violations: a test asserts it stayed empty */
  cspErrors: string[];
  /** a full-page screenshot into the artifacts folder, for a human to look at */
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

export interface AdminInBrowserOptions {
  artifacts: string;
  engine?: Engine;
  /** put before each screenshot's name (one folder shared by several engines) */
  shotPrefix?: string;
  viewport?: { width: number; height: number };
  /** fills the database; may return the environment the settings are read from, and a mail sender */
  seed?(t: TestDb): Promise<{ env?: NodeJS.ProcessEnv; send?: AdminOptions['send'] } | void>;
}

/**
 * For a before() hook: skips when Chromium is missing, makes a database, seeds it, serves the
 * admin on loopback and opens it in Chromium, watching the console for CSP violations. What was
 * opened before a failure is closed again; close() (for after()) closes the rest in reverse order.
 */
export async function openAdminInBrowser(ctx: Mocha.Context, opts: AdminInBrowserOptions): Promise<AdminInBrowser> {
  if (chromiumMissing()) ctx.skip();
  fs.mkdirSync(opts.artifacts, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    while (closers.length) await closers.pop()!();
  };
  try {
    const t = await createTestDb(opts.engine ?? 'sqlite');
    closers.push(() => t.cleanup());
    const extra = (await opts.seed?.(t)) ?? {};
    const settings = loadSettings({ MAILHOST_DATA: t.dir, MAILHOST_DB: t.url, ...extra.env });
    const app = createApp({ db: t.db, settings, sessionSecret: 'browser-test', sessionCleanupMs: 0, send: extra.send });
    const served = await serve(app);
    closers.push(() => served.close());
    const browser = await launchChromium(opts.viewport);
    closers.push(() => browser.close());
    const { context, page } = browser;
    const cspErrors: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspErrors.push(msg.text());
    });
    const shot = (name: string) => page.screenshot({ path: path.join(opts.artifacts, `${opts.shotPrefix ?? ''}${name}.png`), fullPage: true });
    return { t, app, base: served.base, context, page, cspErrors, shot, close };
  } catch (err) {
    await close().catch(() => undefined); // the first failure is the one to report
    throw err;
  }
}
