// Every admin resource, in menu order. Adding an entity = adding its declaration here.
import type { ResourceDef } from '../engine/types';
import type { Settings } from '../../lib/core';
import { domainsResource, domainAliases } from './domains';
import { mailboxesResource } from './mailboxes';
import { aliases, forwards, catchall } from './aliases';
import { accounts } from './accounts';
import { spamPolicies, senderLists } from './spam';
import { mailboxChildren } from './mailboxChildren';
import { quarantineResource, reviewsResource, type QuarantineServices } from './quarantine';
import { ticketsResource } from './tickets';
import type { HelpdeskMailer } from '../../lib/helpdesk';
import { auditLog } from './audit';

/**
 * `settings` gives the data dir (DKIM keys shown on the domain's page); `services`: what the
 * quarantine pages need (data dir, mail notices): without it they are left out; `helpdesk`:
 * how the help desk mails its notices (without it, tickets work but nobody is told).
 */
export function allResources(settings?: Pick<Settings, 'dataDir'>, services?: QuarantineServices, helpdesk?: HelpdeskMailer): ResourceDef[] {
  const quarantine = services ? [quarantineResource(services), reviewsResource(services)] : [];
  return [domainsResource(settings?.dataDir), domainAliases, mailboxesResource(), aliases, forwards, catchall, ...quarantine, senderLists, spamPolicies, accounts, ticketsResource(helpdesk), auditLog, ...mailboxChildren];
}
