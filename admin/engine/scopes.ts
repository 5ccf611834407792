// Authorization, in one place. Every query the engine runs for a resource (list, load for
// edit, delete, and every id a form refers to) starts from its scope, so a row outside the
// scope simply does not exist for that principal: the engine answers 404.
//   admin  -> everything
//   client -> the domains it owns (domains.client_id) and everything that lives in them
//   user   -> its own mailbox and what belongs to it (rows keyed by mailbox_id)
import type { Knex } from 'knex';
import type { Db } from '../../lib/core';
import type { Principal } from '../../lib/accounts';
import { MAILBOX_POLICY_PREFIX } from '../../lib/policy';

const NOTHING = '1 = 0';

/** The ids of the domains a client owns, as a subquery. */
function ownedDomainIds(db: Db, p: Principal): Knex.QueryBuilder {
  return db('domains').select('id').where('client_id', p.id);
}

/** Rows of `table` that hang off a domain through `column` (domain_id). */
export function byDomain(table: string, column = 'domain_id') {
  return (db: Db, p: Principal): Knex.QueryBuilder => {
    const q = db(table);
    if (p.role === 'admin') return q;
    if (p.role === 'client') return q.whereIn(`${table}.${column}`, ownedDomainIds(db, p));
    return q.whereRaw(NOTHING);
  };
}

/**
 * Rows of `table` that belong to a mailbox through `column` (mailbox_id): for autoreplies,
 * per-mailbox sender lists and the like. The user reaches only rows of their own mailbox.
 */
export function byMailbox(table: string, column = 'mailbox_id') {
  return (db: Db, p: Principal): Knex.QueryBuilder => {
    const q = db(table);
    if (p.role === 'admin') return q;
    if (p.role === 'client') return q.whereIn(`${table}.${column}`, db('mailboxes').select('id').whereIn('domain_id', ownedDomainIds(db, p)));
    return q.where(`${table}.${column}`, p.id);
  };
}

export const scopes = {
  domains(db: Db, p: Principal): Knex.QueryBuilder {
    const q = db('domains');
    if (p.role === 'admin') return q;
    if (p.role === 'client') return q.where('domains.client_id', p.id);
    return q.whereRaw(NOTHING);
  },

  domainAliases: byDomain('domain_aliases'),

  mailboxes(db: Db, p: Principal): Knex.QueryBuilder {
    const q = db('mailboxes');
    if (p.role === 'admin') return q;
    if (p.role === 'client') return q.whereIn('mailboxes.domain_id', ownedDomainIds(db, p));
    return q.where('mailboxes.id', p.id);
  },

  /** aliases of one kind (alias page, forward page, catch-all page) */
  aliasesOfKind(kinds: string[]) {
    const inDomain = byDomain('aliases');
    return (db: Db, p: Principal): Knex.QueryBuilder => inDomain(db, p).whereIn('aliases.kind', kinds);
  },

  /** sender lists: global ones for the admin only; a client's domains and their mailboxes; a user's own mailbox */
  senderLists(db: Db, p: Principal): Knex.QueryBuilder {
    const q = db('sender_lists');
    if (p.role === 'admin') return q;
    if (p.role === 'client') {
      return q.where((w) =>
        w.whereIn('sender_lists.domain_id', ownedDomainIds(db, p)).orWhereIn('sender_lists.mailbox_id', db('mailboxes').select('id').whereIn('domain_id', ownedDomainIds(db, p))),
      );
    }
    return q.where('sender_lists.mailbox_id', p.id);
  },

  /**
   * spam policies are shared settings: only admins manage them (everyone picks from them);
   * a mailbox's private policy ("own settings", lib/policies) is managed on its mailbox only
   */
  spamPolicies(db: Db, p: Principal): Knex.QueryBuilder {
    const q = db('spam_policies').where('spam_policies.name', 'not like', `${MAILBOX_POLICY_PREFIX}%`);
    return p.role === 'admin' ? q : q.whereRaw(NOTHING);
  },

  accounts(db: Db, p: Principal): Knex.QueryBuilder {
    const q = db('accounts');
    if (p.role === 'admin') return q;
    if (p.role === 'client') return q.where('accounts.id', p.id); // their own account only
    return q.whereRaw(NOTHING);
  },
};
