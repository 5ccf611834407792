// `mailhost rules check`: the spam rules the engine loaded (SpamAssassin's installed rule files
// and our own lib/spam/rules/local.cf), how many it skipped and why.
import { command, type CommandGroup } from '../engine';
import { rulesCheck } from '../../lib/spam';
import { json } from './common';

export const rulesCommand: CommandGroup = {
  name: 'rules',
  summary: 'the spam rules (SpamAssassin rule files and our own)',
  commands: [
    command({
      name: 'check',
      help: 'load the rule files and tell how many rules were loaded, skipped and why',
      flags: { json },
      async run({ flags, ctx }) {
        const r = rulesCheck();
        if (flags.json) return ctx.printJson(r);
        ctx.print(`rule directories: ${r.dirs.join(', ') || '(none)'} (${r.files} files)`);
        ctx.print(`${r.loaded} rules loaded, ${r.skipped} skipped, ${r.unused} not run (no score, not used by a scoring rule)`);
        for (const s of r.reasons) ctx.print(`  ${s.count}\t${s.reason} (e.g. ${s.examples.slice(0, 3).join(', ')})`);
        ctx.print(
          r.oneScanAvailable
            ? `${r.oneScan} rules without a required string are prefiltered in one pass (RE2)`
            : 're2 is not installed: rules without a required string run their regex on every message',
        );
        if (r.unknownLines) ctx.print(`${r.unknownLines} line(s) not understood`);
      },
    }),
  ],
};
