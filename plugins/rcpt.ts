// mailhost.rcpt - decides every RCPT TO: resolves the recipient against our domains,
// mailboxes and aliases (lib/resolve), answers with its own code, and leaves the final
// targets in transaction.notes.mailhost for the later steps. Never an open relay.
import { resolveRecipient, type ResolveOptions, sqlDirectory, type Directory } from '../lib/directory';
import { srsReverse, mailhostNotes } from '../lib/delivery';
import { srsSecret, type Settings, REPLIES, migrateLatest, withTimeout } from '../lib/core';
import { envelopeBlocks } from '../lib/policy';
import { constants, pluginSettings, pluginDb, guarded, dsn, envelopeAddress } from './common';

const LOOKUP_TIMEOUT_MS = 5000;

interface State {
  settings: Settings;
  directory: Directory;
  options: ResolveOptions;
}

export function register(this: Haraka.Plugin): void {
  this.load_mailhost_config();
}

export function load_mailhost_config(this: Haraka.Plugin): void {
  const settings = pluginSettings(this);
  const secret = srsSecret(settings);
  const state: State = {
    settings,
    directory: sqlDirectory(pluginDb(settings)),
    options: { postmaster: settings.postmaster, srsReverse: (local) => srsReverse(local, secret) },
  };
  this.mailhost = state;
}

/** Schema migrations run once, in the master process, before workers accept mail. */
export function hook_init_master(this: Haraka.Plugin, next: Haraka.Next): void {
  const state = this.mailhost as State;
  migrateLatest(pluginDb(state.settings)).then(
    () => next(),
    (err: Error) => {
      this.logerror(`migrations failed: ${err.message}`);
      next(); // keep serving: lookups will answer 451 until the database is back
    },
  );
}

export function hook_rcpt(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection, params: Haraka.Address[]): void {
  guarded(this, next, async (answer) => {
    const state = this.mailhost as State;
    const txn = connection.transaction;
    if (!txn) return answer();
    const rcpt = params[0];
    const input = rcpt.host ? `${rcpt.user ?? ''}@${rcpt.host}` : rcpt.original;
    const res = await withTimeout(resolveRecipient(state.directory, input, state.options), LOOKUP_TIMEOUT_MS);
    const notes = mailhostNotes(txn.notes);
    switch (res.status) {
      case 'local': {
        // a `block` entry on the envelope sender refuses this recipient's targets that have it
        const { kept, blocked } = await withTimeout(envelopeBlocks(pluginDb(state.settings), envelopeAddress(txn.mail_from), res.targets, (notes.lists ??= { keys: [], rows: [] })), LOOKUP_TIMEOUT_MS);
        if (!kept.length) {
          txn.results.add(this, { fail: `sender_blocked:${res.recipient}` });
          return answer(constants.deny, dsn(REPLIES.sender_blocked));
        }
        const skipped = [...res.skipped.map((s) => `${s.address}:${s.reason}`), ...blocked.map((t) => `${t.kind === 'local' ? t.mailbox.address : t.address}:sender_blocked`)];
        notes.recipients.push({ rcpt: res.address, recipient: res.recipient, targets: kept });
        txn.results.add(this, { pass: res.recipient, targets: kept.length, skipped });
        return answer(constants.ok);
      }
      case 'remote':
        if (connection.relaying) {
          (notes.remote ??= []).push(res.recipient);
          txn.results.add(this, { pass: `relay:${res.recipient}` });
          return answer(constants.ok);
        }
        txn.results.add(this, { fail: `relay_denied:${res.recipient}` });
        return answer(constants.deny, dsn(REPLIES.relay_denied));
      case 'reject': {
        const reply = REPLIES[res.reason];
        txn.results.add(this, { fail: `${res.reason}:${input}` });
        return answer(reply.code >= 500 ? constants.deny : constants.denysoft, dsn(reply));
      }
    }
  });
}

export function shutdown(this: Haraka.Plugin): void {
  // the DB pool is shared with other plugins and closed by process exit
}
