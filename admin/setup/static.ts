// Static assets: Bootstrap and its icons straight from node_modules (nothing from a CDN), and
// the admin's own CSS, flags and icon.
import path from 'node:path';
import express from 'express';
import { STATIC_DIR, packageDir } from '../paths';

export function serveStatic(app: express.Express): void {
  const opts = { maxAge: '1d', index: false as const };
  app.use('/static/bootstrap', express.static(path.join(packageDir('bootstrap'), 'dist'), opts));
  app.use('/static/icons', express.static(path.join(packageDir('bootstrap-icons'), 'font'), opts));
  app.use('/static/admin', express.static(STATIC_DIR, opts));
  // browsers ask for /favicon.ico whatever the page says
  app.get('/favicon.ico', (_req, res) => res.type('image/svg+xml').sendFile(path.join(STATIC_DIR, 'favicon.svg'), { maxAge: '1d' }));
}
