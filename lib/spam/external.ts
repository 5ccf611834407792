// Results of other Haraka plugins that ran before ours, as plain data (plugins/results.ts
// reads them off the transaction, defensively: any may be missing, half-filled or in an older
// shape):
//   spamassassin  txn.results.get('spamassassin') = { score, required, tests: 'A,B,C' }
//                 (also txn.notes.spamassassin = { score, reqd, flag, tests })
//   rspamd        txn.results.get('rspamd') = { score, required_score, action, symbols }
//   clamd         txn.results.get('clamd') = { pass: ['clean'], fail: ['<virus name>'], err: [...] }
//   spf           txn.results.get('spf') = { scope: 'mfrom', result: 'Pass'|'Fail'|..., domain }
//                 (txn.notes.spf_mail_result; connection.results.get('spf').pass = [domains])
//   dkim          txn.results.get('dkim') = { pass: [domains], fail: [domains] }
//                 (txn.notes.dkim_results = [{ result, domain }])
//
// MERGE RULE (what scoreMessage does with them; the weights live in rules.json "external"):
//   - clamd found a virus            -> category 'virus' whatever the score (reason CLAMD_VIRUS,
//                                       detail = virus names); the score is still computed.
//   - SpamAssassin score S           -> adds weight x S points (default 0.5), clamped to [min, max]
//                                       (reason EXT_SPAMASSASSIN, detail = its tests)
//   - rspamd score R                 -> adds weight x R points (default 0.5), clamped likewise
//                                       (reason EXT_RSPAMD)
//   - SPF of the envelope sender     -> fail / softfail / permerror add points, pass none
//   - DKIM                           -> a valid signature of the From domain (or its parent)
//                                       takes points off; a failed signature adds a few
//   Errors and skips of those plugins count as "no result": never points.

export interface ExternalResults {
  spamassassin?: { score: number; required?: number; tests?: string[] };
  rspamd?: { score: number; required?: number; action?: string; symbols?: string[] };
  /** clamd ran: infected or not, with the names it reported */
  virus?: { infected: boolean; names: string[] };
  /** SPF of MAIL FROM: result lower case (pass, fail, softfail, neutral, none, temperror, permerror) */
  spf?: { result: string; domain?: string };
  /** domains with an SPF pass (MAIL FROM and HELO) */
  spfPass?: string[];
  /** domains with a valid DKIM signature */
  dkimPass?: string[];
  /** domains with a failed DKIM signature */
  dkimFail?: string[];
}

/** True when `domain` is `signer` or a subdomain of it (DKIM relaxed alignment). */
export function aligned(domain: string, signer: string): boolean {
  const d = domain.toLowerCase();
  const s = signer.toLowerCase();
  return !!d && !!s && (d === s || d.endsWith(`.${s}`));
}
