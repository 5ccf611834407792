// Every admin resource, in menu order. Adding an entity = adding its declaration here.
import type { ResourceDef } from '../engine/types';
import { domains, domainAliases } from './domains';
import { mailboxesResource } from './mailboxes';
import { aliases, forwards, catchall } from './aliases';
import { accounts } from './accounts';
import { spamPolicies, senderLists } from './spam';
import { mailboxChildren } from './mailboxChildren';

export function allResources(): ResourceDef[] {
  return [domains, domainAliases, mailboxesResource(), aliases, forwards, catchall, senderLists, spamPolicies, accounts, ...mailboxChildren];
}
