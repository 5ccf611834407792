// Preloaded into the Haraka master by the launcher (`node --require`): when the launcher is
// gone, Haraka shuts down (its own SIGINT path closes the listeners and the workers) and, if that
// hangs, exits anyway so the SMTP port is never held by an orphan. Durability never depends on
// this shutdown: a message is acknowledged only once stored.
import { onParentGone } from './parentWatch';

const GRACE_MS = 5000;

onParentGone(() => {
  process.kill(process.pid, 'SIGINT');
  setTimeout(() => process.exit(1), GRACE_MS).unref();
});
