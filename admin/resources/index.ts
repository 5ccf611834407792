// Every admin resource, in menu order. Adding an entity = adding its declaration here.
import type { ResourceDef } from '../engine/types';
import type { Settings } from '../../lib/core';
import { domainsResource, domainAliases } from './domains';
import { mailboxesResource } from './mailboxes';
import { aliases, forwards, catchall } from './aliases';
import { accounts } from './accounts';
import { spamPolicies, senderLists } from './spam';
import { mailboxChildren } from './mailboxChildren';

/** `settings` gives the data dir (DKIM keys shown on the domain's page). */
export function allResources(settings?: Pick<Settings, 'dataDir'>): ResourceDef[] {
  return [domainsResource(settings?.dataDir), domainAliases, mailboxesResource(), aliases, forwards, catchall, senderLists, spamPolicies, accounts, ...mailboxChildren];
}
