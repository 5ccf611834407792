// The admin under test for bench/admin.ts, in its own process so that the load generator's
// CPU is not mixed with the server's (and `--cpu-prof` profiles the server alone):
//   node dist/bench/admin-server.js <db url> <data dir>   -> "listening <port>" on stdout
// Listens on 127.0.0.1 on a free port; exits on SIGTERM/SIGINT (through process.exit, so a
// --cpu-prof profile is written).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDb, loadSettings } from '../lib/core';
import { createApp } from '../admin/app';

async function main(): Promise<void> {
  const [url, dataDir] = process.argv.slice(2);
  if (!url || !dataDir) throw new Error('usage: node dist/bench/admin-server.js <db url> <data dir>');
  const db = openDb(url);
  const settings = { ...loadSettings({ MAILHOST_DB: url, MAILHOST_DATA: dataDir }), db: url };
  const app = createApp({ db, settings, sessionSecret: 'bench-session-secret', sessionCleanupMs: 0 });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(0));
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
