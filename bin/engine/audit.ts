// The audit line of a CLI change: the same log the admin pages write, with the operator (the
// system user running `mailhost`) as the actor, the group as the resource, the positionals as
// the object, and the names of the flags given (never their values: passwords).
import os from 'node:os';
import type { AuditEntry } from '../../lib/accounts';
import type { Command, CommandGroup } from './types';

const BY_ACTION: Record<string, AuditEntry['action']> = {
  add: 'create',
  del: 'delete',
  delete: 'delete',
  set: 'update',
  passwd: 'update',
  assign: 'update',
  enable: 'update',
  disable: 'update',
  release: 'update',
  report: 'update',
  config: 'update',
};

function operator(): string {
  try {
    return `${os.userInfo().username} (cli)`;
  } catch {
    return 'operator (cli)';
  }
}

const strings = (values: unknown[]) => values.flatMap((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v])).map(String);

/**
 * The names a command was given, where its line's domain is looked for: its --domain/--mailbox
 * scope when it has those flags (`list add block example.com`: a global entry, the pattern names
 * no object), else its positionals (`mailbox add jean@example.com`).
 */
export function objectNames(command: Command, flags: Record<string, unknown>, args: Record<string, unknown>): string[] {
  const scoped = command.flags && ('domain' in command.flags || 'mailbox' in command.flags);
  return scoped ? strings([flags.domain, flags.mailbox]) : strings(Object.values(args));
}

/** The entry to record after `command` ran, or null when it changes nothing worth a line. */
export function auditEntry(group: CommandGroup, command: Command, action: string | undefined, flags: Record<string, unknown>, args: Record<string, unknown>): AuditEntry | null {
  const kind = command.audit ?? BY_ACTION[action ?? command.name ?? ''];
  if (!kind) return null;
  const object = strings(Object.values(args)).join(' ');
  return {
    actorRole: 'operator',
    actor: operator(),
    action: kind,
    resource: `cli:${group.name}${action ? ` ${action}` : ''}`,
    objectLabel: object,
    fields: Object.keys(flags).filter((k) => flags[k] !== undefined && flags[k] !== false),
  };
}
