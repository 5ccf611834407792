// Every admin resource, in menu order. Adding an entity = adding its declaration here.
import type { ResourceDef } from '../engine/types';
import { domains, domainAliases } from './domains';
import { mailboxesResource } from './mailboxes';
import { aliases, forwards, catchall } from './aliases';
import { accounts } from './accounts';
import { spamPolicies, senderLists } from './spam';
import { mailboxChildren } from './mailboxChildren';
import { quarantineResource, reviewsResource, type QuarantineServices } from './quarantine';

/** `services`: what the quarantine pages need (data dir, mail notices); without it they are left out. */
export function allResources(services?: QuarantineServices): ResourceDef[] {
  const quarantine = services ? [quarantineResource(services), reviewsResource(services)] : [];
  return [domains, domainAliases, mailboxesResource(), aliases, forwards, catchall, ...quarantine, senderLists, spamPolicies, accounts, ...mailboxChildren];
}
