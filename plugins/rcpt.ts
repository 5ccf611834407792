// mailhost.rcpt - decides every RCPT TO in one lib call (lib/smtp decideRecipient: resolution
// against our domains, mailboxes and aliases, then the envelope sender's block lists), answers
// with its code, and leaves the final targets in transaction.notes.mailhost for the later
// steps. Never an open relay.
import { cachedDirectory, type Directory, type ResolveOptions } from '../lib/directory';
import { srsReverse, mailhostNotes, maildirRecount } from '../lib/delivery';
import { srsSecret, type Settings, migrateLatest, withTimeout } from '../lib/core';
import { decideRecipient } from '../lib/smtp';
import { statsRecorder } from '../lib/stats';
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
    // answers kept in this process until any change through lib (within a second on every node)
    directory: cachedDirectory(pluginDb(settings)),
    options: {
      postmaster: settings.postmaster,
      srsReverse: (local) => srsReverse(local, secret),
      // a mailbox that looks full is counted again from its Maildir (ours, or Dovecot's: same place)
      recount: maildirRecount(pluginDb(settings), settings.dataDir),
    },
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
    const notes = mailhostNotes(txn.notes);
    const query = { input, mailFrom: envelopeAddress(txn.mail_from), relaying: !!connection.relaying };
    const d = await withTimeout(decideRecipient(pluginDb(state.settings), state.directory, query, state.options, (notes.lists ??= { keys: [], rows: [] })), LOOKUP_TIMEOUT_MS);
    switch (d.action) {
      case 'accept':
        notes.recipients.push(d.note);
        txn.results.add(this, { pass: d.note.recipient, targets: d.note.targets.length, skipped: d.skipped });
        return answer(constants.ok);
      case 'relay':
        (notes.remote ??= []).push(d.recipient);
        txn.results.add(this, { pass: `relay:${d.recipient}` });
        return answer(constants.ok);
      case 'refuse':
        txn.results.add(this, { fail: d.result });
        if (d.reply.code >= 500) statsRecorder(pluginDb(state.settings)).refusedRcpt(input); // a 4xx comes back: counted once, when final
        return answer(d.reply.code >= 500 ? constants.deny : constants.denysoft, dsn(d.reply));
    }
  });
}

export function shutdown(this: Haraka.Plugin): void {
  // the DB pool is shared with other plugins and closed by process exit
}
