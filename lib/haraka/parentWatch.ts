// A child must not outlive the launcher that started it, even when the launcher is killed with
// SIGKILL and runs no cleanup: the launcher gives each child an IPC channel, and the kernel
// closes it whatever way the launcher dies, so the child sees 'disconnect' and shuts down.
// (Linux's PR_SET_PDEATHSIG would do the same but is not reachable from Node.)

/** Runs `onGone` once when the parent holding our IPC channel goes away; false when there is none to watch. */
export function onParentGone(onGone: () => void): boolean {
  // a cluster worker's channel is to its Haraka master: Node already exits the worker when it closes
  if (!process.channel || process.env.NODE_UNIQUE_ID) return false;
  process.once('disconnect', onGone);
  return true;
}

