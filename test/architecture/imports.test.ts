// The shape of the source, checked: no import circle anywhere (type imports included), and
// plugins, admin and the CLI reach lib/ only through a capability's public face (lib/<cap>/index.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SOURCE_DIRS = ['lib', 'plugins', 'admin', 'bin', 'bench', 'migrations'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of a file, resolved to repo-relative .ts paths. */
export function importsOf(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:\bfrom|\bimport|\brequire\()\s*'(\.{1,2}\/[^']*)'/g)) {
    const base = path.join(path.dirname(file), m[1]);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
    if (hit) out.push(path.relative(ROOT, hit));
  }
  return out;
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const d of SOURCE_DIRS) {
    const dir = path.join(ROOT, d);
    if (!fs.existsSync(dir)) continue;
    for (const f of tsFiles(dir)) g.set(path.relative(ROOT, f), importsOf(f));
  }
  return g;
}

/** One cycle per strongly connected group (Tarjan), as a readable path. */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('source shape', () => {
  it('has no import circle', () => {
    assert.deepEqual(cycles(graph()), []);
  });

  it('plugins, admin and the CLI import lib only through capability faces', () => {
    const offenders: string[] = [];
    for (const [file, deps] of graph()) {
      if (!/^(plugins|admin|bin)\//.test(file)) continue;
      for (const d of deps) if (/^lib\//.test(d) && !/^lib\/[^/]+\/index\.ts$/.test(d)) offenders.push(`${file} -> ${d}`);
    }
    assert.deepEqual(offenders, []);
  });

  it('lib capabilities reach each other only through their faces', () => {
    const offenders: string[] = [];
    for (const [file, deps] of graph()) {
      const own = /^lib\/([^/]+)\//.exec(file)?.[1];
      if (!own) continue;
      for (const d of deps) {
        const cap = /^lib\/([^/]+)\/([^/]+)$/.exec(d);
        if (cap && cap[1] !== own && cap[2] !== 'index.ts') offenders.push(`${file} -> ${d}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
