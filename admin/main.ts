// The admin as its own process (started by `npm start`, or alone: `node dist/admin/main.js`):
// settings from the environment, the process-level fault policy, a 'ready' message to the
// launcher, and a clean stop on SIGINT/SIGTERM or when the launcher is gone.
import { loadSettings } from '../lib/core';
import { onParentGone } from '../lib/haraka';
import { installProcessGuards } from './resilience';
import { startAdmin } from './app';

/** What the admin tells its launcher over IPC once it listens. */
export interface AdminReady {
  ready: string;
}

async function main(): Promise<void> {
  installProcessGuards();
  let close: Awaited<ReturnType<typeof startAdmin>> | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 5000).unref(); // a database that hangs must not hold the stop
    if (!close) process.exit(0); // still starting: nothing to close yet
    close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  // watched from the start: a launcher that dies while we migrate must not leave us running
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  onParentGone(stop);
  close = await startAdmin(loadSettings());
  if (process.connected) process.send?.({ ready: close.url } satisfies AdminReady);
}

main().catch((err: Error) => {
  console.error(`mailhost admin: cannot start: ${err.message}`);
  process.exit(1);
});
