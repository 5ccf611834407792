// `mailhost haraka install <dir>`: adds our plugins to an existing Haraka install, the way an
// ISP who already runs Haraka would: shim files in <dir>/plugins pointing at this package's
// compiled code, our plugin names appended to <dir>/config/plugins, a commented mailhost.ini
// and our plugins' timeouts.
import fs from 'node:fs';
import path from 'node:path';
import { command, UsageError, type CommandGroup } from '../engine';
import { REPO_ROOT } from '../../lib/haraka';

export function ourPlugins(): string[] {
  return fs
    .readFileSync(path.join(REPO_ROOT, 'config', 'plugins'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('mailhost.'));
}

export function installIntoHaraka(dir: string): string[] {
  const pluginsFile = path.join(dir, 'config', 'plugins');
  if (!fs.existsSync(pluginsFile)) throw new UsageError(`${dir} is not a Haraka directory (no config/plugins)`);
  fs.mkdirSync(path.join(dir, 'plugins'), { recursive: true });
  const done: string[] = [];
  for (const name of ourPlugins()) {
    const impl = path.join(REPO_ROOT, 'dist', 'plugins', `${name.slice('mailhost.'.length)}.js`);
    const shim = `// installed by \`mailhost haraka install\`: the plugin is compiled mailhost code\nconst impl = require(${JSON.stringify(impl)})\nfor (const k of Object.keys(impl)) exports[k] = impl[k]\n`;
    fs.writeFileSync(path.join(dir, 'plugins', `${name}.js`), shim);
    done.push(name);
  }
  const listed = fs.readFileSync(pluginsFile, 'utf8');
  const have = new Set(listed.split('\n').map((l) => l.trim()));
  const missing = done.filter((n) => !have.has(n));
  if (missing.length) fs.appendFileSync(pluginsFile, `${listed.endsWith('\n') ? '' : '\n'}# mailhost\n${missing.join('\n')}\n`);
  // mailhost.ini, and each plugin's timeout: longer than the sum of its own time limits, so
  // Haraka never answers for a hook whose work is still going on (a retry would duplicate it)
  const ours = fs.readdirSync(path.join(REPO_ROOT, 'config')).filter((f) => f === 'mailhost.ini' || /^mailhost\..+\.timeout$/.test(f));
  for (const name of ours) {
    const at = path.join(dir, 'config', name);
    if (!fs.existsSync(at)) fs.copyFileSync(path.join(REPO_ROOT, 'config', name), at);
  }
  return done;
}

export const harakaCommand: CommandGroup = {
  name: 'haraka',
  summary: 'an existing Haraka install',
  commands: [
    command({
      name: 'install',
      help: 'add the mailhost plugins to an existing Haraka install',
      positionals: [{ name: 'haraka-dir' }],
      async run({ args, ctx }) {
        const names = installIntoHaraka(path.resolve(args['haraka-dir']));
        ctx.print(`installed ${names.join(', ')} into ${args['haraka-dir']}; set MAILHOST_DB / MAILHOST_DATA or edit config/mailhost.ini, then restart Haraka`);
      },
    }),
  ],
};
