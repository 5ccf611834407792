// Reader of SpamAssassin configuration files (*.cf): the rule definitions and what qualifies
// them (describe, score, tflags, priority), the ifplugin / if / else / endif conditionals,
// ReplaceTags and the FreeMail domain list. Everything else in those files (network lists,
// welcome lists, report templates, languages...) is ignored. A later definition of a name
// replaces an earlier one, as in SpamAssassin, so our local file can override stock rules.
// Files are read as bytes (latin1): rules spell UTF-8 as bytes, see perlre.ts.

export type CfKind = 'header' | 'mimeheader' | 'body' | 'rawbody' | 'uri' | 'full' | 'meta';

export interface CfRule {
  name: string;
  kind: CfKind;
  /** the definition after the name, as written */
  def: string;
  file: string;
}

export interface CfData {
  rules: Map<string, CfRule>;
  /** score sets 0..3 (one value written: the same in every set) */
  scores: Map<string, number[]>;
  describe: Map<string, string>;
  tflags: Map<string, string[]>;
  priority: Map<string, number>;
  freemailDomains: string[];
  replaceTags: Map<string, string>;
  replaceRules: Set<string>;
  replaceStart: string;
  replaceEnd: string;
  /** lines not understood (directive and file), for rulesCheck() */
  unknown: number;
}

/** The version we claim in `if (version >= ...)`: the rule syntax of SpamAssassin 4.0.1. */
export const SA_VERSION = 4.000001;

/** Plugins Debian's spamassassin loads by default (its *.pre files); `ifplugin` tests these. */
export const DEFAULT_PLUGINS = [
  'Check', 'HTTPSMismatch', 'URIDetail', 'Bayes', 'BodyEval', 'DNSEval', 'HTMLEval', 'HeaderEval', 'MIMEEval', 'RelayEval', 'URIEval', 'WLBLEval',
  'VBounce', 'ImageInfo', 'FreeMail', 'AskDNS', 'HashBL', 'DMARC', 'MIMEHeader', 'ReplaceTags', 'DKIM', 'SPF', 'URIDNSBL', 'Pyzor', 'Razor2',
  'SpamCop', 'AutoLearnThreshold', 'WelcomeListSubject', 'Rule2XSBody',
].map((p) => `Mail::SpamAssassin::Plugin::${p}`);

export function emptyCf(): CfData {
  return {
    rules: new Map(),
    scores: new Map(),
    describe: new Map(),
    tflags: new Map(),
    priority: new Map(),
    freemailDomains: [],
    replaceTags: new Map(),
    replaceRules: new Set(),
    replaceStart: '<',
    replaceEnd: '>',
    unknown: 0,
  };
}

/** Evaluates the condition of an `if` line; anything not understood is false. */
export function evalCondition(expr: string, plugins: Set<string>): boolean {
  const js = expr
    .replace(/\bplugin\(\s*([\w:]+)\s*\)/g, (_, p: string) => (plugins.has(p) ? '1' : '0'))
    .replace(/\b(?:can|has)\(\s*[\w:]+\s*\)/g, '1')
    .replace(/\bperl_version\b/g, '5.036')
    .replace(/\bversion\b/g, String(SA_VERSION));
  if (!/^[\d.\s()!&|<>=]*$/.test(js) || !js.trim()) return false;
  try {
    return !!new Function(`return (${js});`)();
  } catch {
    return false;
  }
}

const RULE_KINDS = new Set<string>(['header', 'mimeheader', 'body', 'rawbody', 'uri', 'full', 'meta']);

/** Reads one file's text into `into` (files are read in name order, later ones override). */
export function parseCf(text: string, file: string, into: CfData, plugins: Set<string>): void {
  // conditional stack: whether each open block is active
  const stack: boolean[] = [];
  const active = () => stack.every(Boolean);
  for (const rawLine of text.split('\n')) {
    // comments: an unescaped # to the end of the line, then \# is a #
    const line = rawLine.replace(/(?<!\\)#.*$/, '').replace(/\\#/g, '#').trim();
    if (!line) continue;
    const sp = line.search(/\s/);
    const key = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
    const rest = sp < 0 ? '' : line.slice(sp + 1).trim();
    if (key === 'ifplugin') {
      stack.push(plugins.has(rest.split(/\s+/)[0]));
      continue;
    }
    if (key === 'if') {
      stack.push(evalCondition(rest, plugins));
      continue;
    }
    if (key === 'else') {
      if (stack.length) stack[stack.length - 1] = !stack[stack.length - 1];
      continue;
    }
    if (key === 'endif') {
      stack.pop();
      continue;
    }
    if (!active()) continue;
    if (key === 'loadplugin') {
      plugins.add(rest.split(/\s+/)[0]);
      continue;
    }
    const m = /^(\S+)\s*(.*)$/.exec(rest);
    const name = m?.[1] ?? '';
    const arg = m?.[2] ?? '';
    if (RULE_KINDS.has(key)) {
      if (!/^[A-Za-z0-9_]+$/.test(name) || !arg) {
        into.unknown++;
        continue;
      }
      into.rules.set(name, { name, kind: key as CfKind, def: arg, file });
      continue;
    }
    switch (key) {
      case 'describe':
        into.describe.set(name, arg);
        break;
      case 'score': {
        const v = arg.split(/\s+/).filter(Boolean).map(Number);
        if (v.length && v.every((x) => Number.isFinite(x))) into.scores.set(name, v.length >= 4 ? v.slice(0, 4) : [v[0], v[0], v[0], v[0]]);
        else into.unknown++;
        break;
      }
      case 'tflags':
        into.tflags.set(name, arg.split(/\s+/).filter(Boolean));
        break;
      case 'priority':
        into.priority.set(name, Number(arg) || 0);
        break;
      case 'freemail_domains':
        into.freemailDomains.push(...rest.toLowerCase().split(/\s+/).filter(Boolean));
        break;
      case 'replace_tag':
      case 'replace_pre':
      case 'replace_inter':
      case 'replace_post':
        into.replaceTags.set(name, arg);
        break;
      case 'replace_rules':
        for (const r of rest.split(/\s+/)) if (r) into.replaceRules.add(r);
        break;
      case 'replace_start':
        into.replaceStart = rest;
        break;
      case 'replace_end':
        into.replaceEnd = rest;
        break;
      default:
        // network settings, lists, templates, languages...: not ours to read
        break;
    }
  }
}

/**
 * ReplaceTags: in a listed rule, <X> becomes tag X's pattern; <pre P>, <inter I>, <post P>
 * declare what goes before each tag, between adjacent tags and after each tag.
 */
export function replaceTags(def: string, cf: CfData): string {
  const q = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  const st = q(cf.replaceStart);
  const en = q(cf.replaceEnd);
  const around: Record<string, string> = { pre: '', inter: '', post: '' };
  let out = def.replace(new RegExp(`${st}(pre|inter|post)\\s+([A-Za-z0-9_]+)${en}`, 'g'), (_, kind: string, tag: string) => {
    around[kind] = cf.replaceTags.get(tag) ?? '';
    return '';
  });
  const tag = new RegExp(`${st}([A-Za-z0-9_]+)${en}(?=(${st}[A-Za-z0-9_]+${en})?)`, 'g');
  out = out.replace(tag, (m, name: string, next?: string) => {
    const v = cf.replaceTags.get(name);
    if (v === undefined) return m;
    const nextIsTag = next !== undefined && cf.replaceTags.has(next.slice(cf.replaceStart.length, next.length - cf.replaceEnd.length));
    return `${around.pre}(?:${v})${around.post}${nextIsTag ? around.inter : ''}`;
  });
  return out;
}

/** Splits eval:name(args) into the name and its arguments ('quoted', "quoted" or bare). */
export function parseEvalCall(def: string): { fn: string; args: string[] } | undefined {
  const m = /^eval:([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$/.exec(def.trim());
  if (!m) return undefined;
  const args: string[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,\s]+))\s*(?:,|$)/g;
  const body = m[2].trim();
  for (let x = re.exec(body); x && x[0]; x = re.exec(body)) args.push(x[1] ?? x[2] ?? x[3]);
  return { fn: m[1], args };
}
