// Results of other Haraka plugins that ran before ours, read defensively (any of them may be
// missing, half-filled or in an older shape):
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

type Obj = Record<string, unknown>;

function resultsOf(holder: unknown, name: string): Obj | undefined {
  try {
    const r = (holder as { results?: { get?: (n: string) => unknown } } | undefined)?.results;
    const v = typeof r?.get === 'function' ? r.get(name) : undefined;
    return v && typeof v === 'object' ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function strs(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' && x !== '').map((x) => String(x));
  if (typeof v === 'string' && v) return [v];
  return [];
}

function domains(v: unknown): string[] {
  return [...new Set(strs(v).map((d) => d.toLowerCase().replace(/\.$/, '')))];
}

/** Reads what spamassassin, rspamd, clamd, spf and dkim left on a Haraka transaction (and connection). */
export function externalFromTransaction(transaction: unknown, connection?: unknown): ExternalResults {
  const out: ExternalResults = {};
  const txn = (transaction ?? {}) as { notes?: Obj };
  const notes = (txn.notes && typeof txn.notes === 'object' ? txn.notes : {}) as Obj;

  const sa = resultsOf(txn, 'spamassassin');
  const saNote = notes.spamassassin as Obj | undefined;
  const saScore = num(sa?.score) ?? num(saNote?.score);
  if (saScore !== undefined) {
    const tests = String(sa?.tests ?? saNote?.tests ?? '');
    out.spamassassin = { score: saScore, required: num(sa?.required) ?? num(saNote?.reqd), tests: tests ? tests.split(/[,\s]+/).filter(Boolean) : [] };
  }

  const rs = resultsOf(txn, 'rspamd');
  const rsScore = num(rs?.score);
  if (rsScore !== undefined) {
    const sym = rs?.symbols;
    out.rspamd = {
      score: rsScore,
      required: num(rs?.required_score),
      action: typeof rs?.action === 'string' ? rs.action : undefined,
      symbols: sym && typeof sym === 'object' ? Object.keys(sym as Obj) : undefined,
    };
  }

  const clam = resultsOf(txn, 'clamd');
  if (clam) {
    const fail = strs(clam.fail);
    const pass = strs(clam.pass);
    if (fail.length) out.virus = { infected: true, names: fail };
    else if (pass.length) out.virus = { infected: false, names: [] };
  }

  const spf = resultsOf(txn, 'spf');
  const spfResult = typeof spf?.result === 'string' ? spf.result : typeof notes.spf_mail_result === 'string' ? notes.spf_mail_result : undefined;
  if (spfResult) out.spf = { result: spfResult.toLowerCase(), domain: typeof spf?.domain === 'string' ? spf.domain.toLowerCase() : undefined };
  const spfPass = new Set<string>([...domains(spf?.pass), ...domains(resultsOf(connection, 'spf')?.pass)]);
  if (out.spf?.result === 'pass' && out.spf.domain) spfPass.add(out.spf.domain);
  if (spfPass.size) out.spfPass = [...spfPass];

  const dkim = resultsOf(txn, 'dkim');
  const dkimPass = new Set(domains(dkim?.pass));
  const dkimFail = new Set(domains(dkim?.fail));
  if (Array.isArray(notes.dkim_results)) {
    for (const r of notes.dkim_results as Obj[]) {
      if (!r || typeof r.domain !== 'string') continue;
      if (r.result === 'pass') dkimPass.add(r.domain.toLowerCase());
      else if (r.result === 'fail') dkimFail.add(r.domain.toLowerCase());
    }
  }
  if (dkimPass.size) out.dkimPass = [...dkimPass];
  if (dkimFail.size) out.dkimFail = [...dkimFail];
  return out;
}

/** True when `domain` is `signer` or a subdomain of it (DKIM relaxed alignment). */
export function aligned(domain: string, signer: string): boolean {
  const d = domain.toLowerCase();
  const s = signer.toLowerCase();
  return !!d && !!s && (d === s || d.endsWith(`.${s}`));
}
