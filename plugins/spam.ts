// mailhost.spam - after DATA, in one lib call (lib/smtp decideMessage): scores the message once,
// gives every final target its own fate by its own policy and sender lists; replaces any X-Spam-* header the
// sender wrote with ours, and refuses the message (550 5.7.1) only when every recipient's
// policy would reject it. mailhost.deliver carries the fates out at queue time.
// In the master process: the daily purge (quarantine retention, Bayes token ageing).
import { finalTargets } from '../lib/delivery';
import { headerFromAddress, isSpamHeader, cachedPolicies, type PolicyLookup } from '../lib/policy';
import { decideMessage } from '../lib/smtp';
import { AutoLearner, sharedBayesCache, sharedSaWorker, type BayesCache, type SaWorker } from '../lib/spam';
import { statsRecorder } from '../lib/stats';
import { externalFromTransaction } from './results';
import { schedulePurge } from '../lib/maintenance';
import { withTimeout, REPLIES, type Settings } from '../lib/core';
import { constants, pluginSettings, pluginDb, guardedOurMail, dsn, envelopeAddress, messageBuffer } from './common';

const VERDICT_TIMEOUT_MS = 20000;

export function register(this: Haraka.Plugin): void {
  this.settings = pluginSettings(this);
  // policies kept in this process until any change through lib (within a second on every node)
  this.policies = cachedPolicies(pluginDb(this.settings as Settings));
  // Bayes counts kept in this process, caught up from the change log every second (lib/spam)
  this.bayes = sharedBayesCache(pluginDb(this.settings as Settings));
  // the SpamAssassin rule pass in its own thread, so this one goes on answering meanwhile (lib/spam)
  this.saWorker = sharedSaWorker();
  // auto-learning written in batches, every second or 200 messages (a lesson is soft state)
  this.learner = new AutoLearner(pluginDb(this.settings as Settings), (err) => this.logerror(`auto-learn: ${err.message}`));
  this.register_hook('data_post', 'spam_verdict');
}

/** Removes every X-Spam-* header the sender wrote, so only ours can be trusted downstream. */
function removeForgedHeaders(txn: Haraka.Transaction): void {
  const header = txn.header as unknown as { headers?: Record<string, unknown>; header_list?: string[] };
  const names = new Set<string>(Object.keys(header.headers ?? {}).filter(isSpamHeader));
  for (const line of header.header_list ?? []) {
    const name = line.slice(0, line.indexOf(':')).trim();
    if (isSpamHeader(name)) names.add(name.toLowerCase());
  }
  for (const name of names) txn.remove_header(name);
}

export function spam_verdict(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  guardedOurMail(this, next, connection, async (txn, notes, answer) => {
    removeForgedHeaders(txn);
    const query = {
      raw: await messageBuffer(txn),
      targets: finalTargets(notes),
      fates: notes.fates,
      mailFrom: envelopeAddress(txn.mail_from),
      headerFrom: headerFromAddress(txn.header.get('From')),
      external: externalFromTransaction(txn, connection),
      lists: notes.lists,
      policies: this.policies as PolicyLookup,
      bayes: this.bayes as BayesCache | null,
      saWorker: this.saWorker as SaWorker | null,
    };
    const db = pluginDb(this.settings as Settings);
    const d = await withTimeout(decideMessage(db, query), VERDICT_TIMEOUT_MS, 'spam verdict');
    if (d.rejected) {
      txn.results.add(this, { fail: `${d.rejected}_rejected`, ...d.summary });
      statsRecorder(db).refusedData(notes);
      return answer(constants.deny, dsn(REPLIES[`${d.rejected}_rejected`]));
    }
    notes.verdict = d.verdict;
    for (const { key, fate } of d.fates) notes.fates[key] = fate;
    for (const h of d.headers) txn.add_header(h.name, h.value);
    txn.results.add(this, { pass: 'verdict', ...d.summary, fates: d.fates.map(({ key, fate }) => `${key}=${fate.action}`).join(' ') });
    answer();
    // in the background: the reply does not wait for learning, and a failure only costs a lesson
    (this.learner as AutoLearner).add(d.lesson, d.verdict, d.domainId);
  });
}

/**
 * The daily purge runs in the master process (one per node, whatever the number of workers).
 * A single process (no cluster) also answers SMTP: its rule thread starts now.
 */
export function hook_init_master(this: Haraka.Plugin, next: Haraka.Next, server?: { cluster?: unknown }): void {
  if (!server?.cluster) prepareRuleThread(this);
  try {
    this.stopPurge = schedulePurge(pluginDb(this.settings as Settings), { info: (m) => this.loginfo(m), error: (m) => this.logerror(m) }, { dataDir: (this.settings as Settings).dataDir });
  } catch (err) {
    this.logerror(`quarantine purge not scheduled: ${(err as Error).message}`);
  }
  next();
}

/** A cluster worker answers SMTP: its rule thread starts now. */
export function hook_init_child(this: Haraka.Plugin, next: Haraka.Next): void {
  prepareRuleThread(this);
  next();
}

/** The rules compile (a second or two) at start, not while the first message waits. */
function prepareRuleThread(plugin: Haraka.Plugin): void {
  try {
    (plugin.saWorker as SaWorker | null)?.prepare();
  } catch (err) {
    plugin.logerror(`rule thread not started: ${(err as Error).message}`); // the first message starts it
  }
}

export function shutdown(this: Haraka.Plugin): void {
  (this.stopPurge as (() => void) | undefined)?.();
  void (this.saWorker as SaWorker | null | undefined)?.close();
  void (this.learner as AutoLearner | undefined)?.flush();
}
