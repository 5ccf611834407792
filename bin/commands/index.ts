// Every command group of the CLI, in the order `mailhost help` lists them.
import type { CommandGroup } from '../engine';
import { migrateCommand } from './migrate';
import { domainCommand, domainAliasCommand } from './domain';
import { mailboxCommand } from './mailbox';
import { aliasCommand } from './alias';
import { harakaCommand } from './haraka';
import { listCommand } from './list';
import { policyCommand } from './policy';
import { quarantineCommand } from './quarantine';
import { digestCommand } from './digest';
import { purgeCommand } from './purge';
import { adminCommand } from './admin';
import { autoreplyCommand } from './autoreply';
import { learnCommand } from './learn';
import { rulesCommand } from './rules';
import { dovecotCommand } from './dovecot';
import { dkimCommand } from './dkim';
import { sendingCommand } from './sending';
import { statsCommand } from './stats';
import { ticketCommand } from './ticket';
import { permissionsCommand } from './permissions';

export const commandGroups: CommandGroup[] = [
  migrateCommand,
  domainCommand,
  domainAliasCommand,
  mailboxCommand,
  aliasCommand,
  dkimCommand,
  sendingCommand,
  autoreplyCommand,
  policyCommand,
  listCommand,
  quarantineCommand,
  digestCommand,
  learnCommand,
  rulesCommand,
  statsCommand,
  ticketCommand,
  purgeCommand,
  harakaCommand,
  dovecotCommand,
  adminCommand,
  permissionsCommand,
];
