// `npm start`: migrate the database, then run Haraka (our plugins, env-driven settings) and the
// admin web app side by side. Ctrl-C / SIGTERM stops both; if Haraka dies, we exit with it.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { loadSettings, srsSecret, openDb, migrateLatest } from '../lib/core';
import { prepareHarakaDir, harakaCommand } from '../lib/haraka';

interface AdminModule {
  startAdmin(settings: ReturnType<typeof loadSettings>): Promise<(() => Promise<void>) & { url: string }>;
}

async function main(): Promise<void> {
  const settings = loadSettings();
  fs.mkdirSync(settings.dataDir, { recursive: true });
  const env = { ...process.env, MAILHOST_DB: settings.db, MAILHOST_DATA: settings.dataDir };

  const db = openDb(settings.db);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  srsSecret(settings); // generate it once here rather than racing in several workers

  const dir = prepareHarakaDir({ dir: path.join(settings.dataDir, 'haraka'), settings });
  const { command, args } = harakaCommand(dir);
  const haraka = spawn(command, args, { env, stdio: 'inherit' });
  console.log(`mailhost: SMTP on ${settings.smtpListen.host}:${settings.smtpListen.port} (Haraka dir ${dir}, data ${settings.dataDir})`);

  // prints the generated password of the first admin account once, and its URL
  const closeAdmin = await (require('../admin/app') as AdminModule).startAdmin(settings);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (haraka.exitCode === null) haraka.kill('SIGTERM');
    await closeAdmin().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  haraka.on('exit', (code) => {
    if (!stopping) console.error(`mailhost: Haraka exited with ${code}`);
    void stop(code ?? 1);
  });
}

main().catch((err) => {
  console.error(`mailhost: cannot start: ${err.message}`);
  process.exit(1);
});
