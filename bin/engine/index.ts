// The CLI engine: commands are declared (types.ts, define.ts), parsed and validated by one parser
// (parse.ts), and the help is written from the declarations (help.ts). bin/commands/* declare;
// bin/cli.ts runs.
export * from './types';
export { command } from './define';
export { UsageError, orList } from './errors';
export { parseCommand, type Parsed } from './parse';
export { usageLine, overview, groupHelp } from './help';
export { dispatch, type Dispatched } from './dispatch';
export { auditEntry, objectNames } from './audit';
