// Builds the Haraka directory a node runs from: the repository's config/ with the listen
// address, process count and queue location taken from our settings, and links to the
// plugins and their compiled code. `haraka -c <repo>` works too; this adds env-driven settings.
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from './settings';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface HarakaDirOptions {
  dir: string;
  settings: Settings;
  /** extra or replaced config files: name -> content (e.g. { 'log.ini': '[main]\nlevel=warn\n' }) */
  configFiles?: Record<string, string>;
  /** replaces config/plugins */
  plugins?: string[];
}

function setIni(text: string, section: string, values: Record<string, string | number>): string {
  // small ini edit: drop existing keys of `section`, append ours under it
  const lines = text.split('\n');
  const out: string[] = [];
  let current = 'main';
  for (const line of lines) {
    const s = /^\s*\[([^\]]+)\]/.exec(line);
    if (s) current = s[1];
    const k = /^\s*([\w.]+)\s*=/.exec(line);
    if (current === section && k && k[1] in values) continue;
    out.push(line);
  }
  const block = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  if (section === 'main') return [...block, ...out].join('\n');
  return [...out, `[${section}]`, ...block, ''].join('\n');
}

function link(target: string, at: string): void {
  try {
    if (fs.readlinkSync(at) === target) return;
    fs.unlinkSync(at);
  } catch {
    /* not a link yet */
  }
  fs.symlinkSync(target, at);
}

export function prepareHarakaDir(opts: HarakaDirOptions): string {
  const { dir, settings } = opts;
  const config = path.join(dir, 'config');
  fs.mkdirSync(config, { recursive: true });
  const repoConfig = path.join(REPO_ROOT, 'config');
  for (const name of fs.readdirSync(repoConfig)) {
    const src = path.join(repoConfig, name);
    if (fs.statSync(src).isFile()) fs.copyFileSync(src, path.join(config, name));
  }
  const smtp = setIni(fs.readFileSync(path.join(config, 'smtp.ini'), 'utf8'), 'main', {
    listen: `${settings.smtpListen.host}:${settings.smtpListen.port}`,
    nodes: settings.smtpNodes,
  });
  fs.writeFileSync(path.join(config, 'smtp.ini'), smtp);
  fs.mkdirSync(path.join(settings.dataDir, 'queue'), { recursive: true });
  fs.writeFileSync(path.join(config, 'queue_dir'), `${path.join(settings.dataDir, 'queue')}\n`);
  if (opts.plugins) fs.writeFileSync(path.join(config, 'plugins'), `${opts.plugins.join('\n')}\n`);
  for (const [name, content] of Object.entries(opts.configFiles ?? {})) fs.writeFileSync(path.join(config, name), content);
  for (const name of ['plugins', 'dist', 'node_modules']) link(path.join(REPO_ROOT, name), path.join(dir, name));
  return dir;
}

/** The command that runs Haraka from `dir`. */
export function harakaCommand(dir: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [path.join(REPO_ROOT, 'node_modules', 'Haraka', 'bin', 'haraka'), '-c', dir] };
}
