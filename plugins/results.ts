// What other Haraka plugins (spamassassin, rspamd, clamd, spf, dkim) left on a transaction and
// its connection, read defensively into lib/spam's plain ExternalResults (the shapes are listed
// in lib/spam/external.ts). Haraka-shaped reading stays here; lib/spam takes the plain data.
import type { ExternalResults } from '../lib/spam';

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
