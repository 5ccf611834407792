// mailhost.spam - after DATA: scores the message once (lib/spam), gives every final target its
// own fate by its own policy and sender lists (lib/verdict), replaces any X-Spam-* header the
// sender wrote with ours, and refuses the message (550 5.7.1) only when every recipient's
// policy would reject it. mailhost.deliver carries the fates out at queue time.
// In the master process: the daily purge (quarantine retention, Bayes token ageing).
import { finalTargets } from '../lib/delivery';
import { loadListsFor, evaluateLists, scopeRefFor, headerFromAddress, senderKey, fromAuthenticated, effectivePolicies, decideFates, everyoneRejects, spamHeaders, isSpamHeader } from '../lib/policy';
import { scoreMessage, categorize, externalFromTransaction, autolearn } from '../lib/spam';
import { getQuarantineSettings } from '../lib/quarantine';
import { schedulePurge } from '../lib/maintenance';
import { withTimeout, REPLIES, type Settings } from '../lib/core';
import { constants, pluginSettings, pluginDb, guarded, dsn, envelopeAddress, notesOf, messageBuffer } from './common';

const VERDICT_TIMEOUT_MS = 20000;

export function register(this: Haraka.Plugin): void {
  this.settings = pluginSettings(this);
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
  guarded(this, next, async (answer) => {
    const txn = connection.transaction;
    const notes = notesOf(txn);
    if (!txn || !notes) return answer();
    const db = pluginDb(this.settings as Settings);
    removeForgedHeaders(txn);
    const raw = await messageBuffer(txn);
    const targets = finalTargets(notes);
    const refs = targets.map((t) => scopeRefFor(t.target));
    const mailFrom = envelopeAddress(txn.mail_from);
    const headerFrom = headerFromAddress(txn.header.get('From'));
    const external = externalFromTransaction(txn, connection);
    // the header From may match an allow entry only when SPF or DKIM passed for its domain
    const fromTrusted = fromAuthenticated(senderKey(headerFrom)?.domain, { spf: external.spfPass, dkim: external.dkimPass });
    const firstLocal = targets.find((t) => t.target.kind === 'local')?.target;
    const domainId = firstLocal?.kind === 'local' ? firstLocal.mailbox.domain_id : undefined;

    const [verdict, rows, policies] = await withTimeout(
      Promise.all([scoreMessage(db, raw, { domainId, external }), loadListsFor(db, refs, notes.lists), effectivePolicies(db, refs)]),
      VERDICT_TIMEOUT_MS,
      'spam verdict',
    );

    const live = targets.map((t, i) => ({ t, i })).filter(({ t }) => notes.fates[t.key]?.action !== 'drop'); // not dropped by an earlier step
    const decided = await decideFates(
      live.map(({ t, i }) => {
        const policy = policies[i].policy;
        const virus = verdict.category === 'virus' && policy.antivirus;
        return {
          key: t.key,
          input: {
            category: categorize(verdict.score, verdict.newsletter, virus, policy.threshold),
            policy,
            listing: evaluateLists(rows, refs[i], { envelope: mailFrom, headerFrom, fromTrusted }),
            external: t.target.kind === 'external',
            size: raw.length,
          },
        };
      }),
      async () => (await withTimeout(getQuarantineSettings(db), VERDICT_TIMEOUT_MS, 'quarantine settings')).maxSizeBytes,
    );

    const rejected = everyoneRejects(decided.map((x) => x.d));
    const summary = { score: verdict.score, category: verdict.category, tests: verdict.reasons.map((r) => r.rule).join(',') };
    if (rejected) {
      txn.results.add(this, { fail: `${rejected}_rejected`, ...summary });
      return answer(constants.deny, dsn(REPLIES[`${rejected}_rejected`]));
    }
    notes.verdict = verdict;
    for (const { key, d } of decided) notes.fates[key] = d.fate;
    // one set of headers per message: "Yes" when it is spam for at least one recipient
    const thresholds = policies.map((p) => p.policy.threshold);
    const required = thresholds.length ? Math.min(...thresholds) : 5;
    for (const h of spamHeaders(verdict, required)) txn.add_header(h.name, h.value);
    txn.results.add(this, { pass: 'verdict', ...summary, fates: decided.map(({ key, d }) => `${key}=${d.fate.action}`).join(' ') });
    answer();
    // in the background: the reply does not wait for learning, and a failure only costs a lesson
    autolearn(db, raw, verdict, { domainId }).catch((err: Error) => this.logerror(`auto-learn: ${err.message}`));
  });
}

/** The daily purge runs in the master process (one per node, whatever the number of workers). */
export function hook_init_master(this: Haraka.Plugin, next: Haraka.Next): void {
  try {
    this.stopPurge = schedulePurge(pluginDb(this.settings as Settings), { info: (m) => this.loginfo(m), error: (m) => this.logerror(m) });
  } catch (err) {
    this.logerror(`quarantine purge not scheduled: ${(err as Error).message}`);
  }
  next();
}

export function shutdown(this: Haraka.Plugin): void {
  (this.stopPurge as (() => void) | undefined)?.();
}
