// Recipient resolution as a table of cases, each run on a real migrated database (emptied before each case)
// (SQLite, and MariaDB when TEST_MYSQL_URL is set), provisioned through the lib functions.
import assert from 'node:assert/strict';
import { describeEachEngineShared } from '../../helpers/sharedEngineDb';
import type { Db } from '../../../lib/core';
import { resolveRecipient, type Resolution, type ResolveOptions, type RejectReason, sqlDirectory, createDomain, createDomainAlias, updateDomain, getDomain, createMailbox, updateMailbox, addUsage, getMailbox, createAlias, updateAlias, getAlias } from '../../../lib/directory';
import { srsForward, srsReverse } from '../../../lib/delivery';

const SECRET = 'resolve-test-secret';
const MB = 1024 * 1024;

// --- provisioning shorthands (all through lib/) ---------------------------------------
const domain = (db: Db, name: string) => createDomain(db, { name });
const mailbox = (db: Db, address: string, extra: { quotaMb?: number; active?: boolean; redirectTo?: string[]; keepCopy?: boolean } = {}) =>
  createMailbox(db, { address, password: 'secret-pass-1', ...extra });
const alias = (db: Db, address: string, ...targets: string[]) => createAlias(db, { address, targets });
async function fill(db: Db, address: string, bytes: number): Promise<void> {
  await addUsage(db, (await getMailbox(db, address)).id, bytes);
}
/** a0@example.com -> a1@ -> ... -> a(n-1)@ -> jean@example.com */
async function chain(db: Db, n: number): Promise<void> {
  for (let i = n - 1; i >= 0; i--) await alias(db, `a${i}@example.com`, i === n - 1 ? 'jean@example.com' : `a${i + 1}@example.com`);
}

/** Every case starts from: example.com with jean@ (created first) and marie@. */
async function base(db: Db): Promise<void> {
  await domain(db, 'example.com');
  await mailbox(db, 'jean@example.com');
  await mailbox(db, 'marie@example.com');
}

type Expect =
  | { reject: RejectReason }
  | { remote: string }
  | {
      recipient?: string;
      /** 'L:<mailbox>' or 'L:<mailbox>#<tag>' for local copies, 'E:<address>' for forwards (order-free) */
      targets: string[];
      /** 'address:reason' (order-free); checked only when given */
      skipped?: string[];
      /** the `via` path of the single target; checked only when given */
      via?: string[];
      /** compare mailbox addresses only (tag not asserted) */
      ignoreTags?: boolean;
    };

interface Case {
  name: string;
  setup?: (db: Db) => Promise<void>;
  input: string;
  opts?: ResolveOptions;
  expect: Expect;
  /** a known bug in lib/ this case exposes: skipped until fixed, run anyway with TEST_KNOWN_BUGS=1 */
  knownBug?: string;
}

const withSrs: ResolveOptions = { srsReverse: (local) => srsReverse(local, SECRET) };
const DAY = 86400;
const now = () => Date.now() / 1000;

const cases: Case[] = [
  // exact matches
  { name: 'exact mailbox', input: 'jean@example.com', expect: { recipient: 'jean@example.com', targets: ['L:jean@example.com'], skipped: [], via: ['jean@example.com'] } },
  { name: 'alias -> mailbox', setup: (db) => alias(db, 'info@example.com', 'jean@example.com').then(() => undefined), input: 'info@example.com', expect: { recipient: 'info@example.com', targets: ['L:jean@example.com'] } },
  { name: 'alias -> two mailboxes', setup: (db) => alias(db, 'team@example.com', 'jean@example.com', 'marie@example.com').then(() => undefined), input: 'team@example.com', expect: { targets: ['L:jean@example.com', 'L:marie@example.com'] } },
  { name: 'alias -> external', setup: (db) => alias(db, 'fwd@example.com', 'Someone@Remote.TEST').then(() => undefined), input: 'fwd@example.com', expect: { targets: ['E:someone@remote.test'] } },
  { name: 'alias -> mailbox + external', setup: (db) => alias(db, 'mix@example.com', 'jean@example.com', 'out@remote.test').then(() => undefined), input: 'mix@example.com', expect: { targets: ['L:jean@example.com', 'E:out@remote.test'] } },

  // chains, cycles, depth
  {
    name: 'chain a -> b -> c -> mailbox',
    setup: async (db) => {
      await alias(db, 'c@example.com', 'jean@example.com');
      await alias(db, 'b@example.com', 'c@example.com');
      await alias(db, 'a@example.com', 'b@example.com');
    },
    input: 'a@example.com',
    expect: { targets: ['L:jean@example.com'], skipped: [] },
  },
  {
    name: 'via: an alias hop is listed once',
    setup: (db) => alias(db, 'info@example.com', 'jean@example.com').then(() => undefined),
    input: 'info@example.com',
    expect: { targets: ['L:jean@example.com'], via: ['info@example.com', 'jean@example.com'] },
  },
  {
    name: 'via: chain a -> b -> c -> jean lists each hop once',
    setup: (db) => chain(db, 3),
    input: 'a0@example.com',
    expect: { targets: ['L:jean@example.com'], via: ['a0@example.com', 'a1@example.com', 'a2@example.com', 'jean@example.com'] },
  },
  {
    name: 'via: a redirect hop is listed once',
    setup: (db) => updateMailbox(db, 'jean@example.com', { redirectTo: ['out@remote.test'] }).then(() => undefined),
    input: 'jean@example.com',
    expect: { targets: ['E:out@remote.test'], via: ['jean@example.com'] },
  },
  {
    name: 'cycle a -> b -> a without a mailbox: loop',
    setup: async (db) => {
      await alias(db, 'a@example.com', 'marie@example.com');
      await alias(db, 'b@example.com', 'a@example.com');
      await updateAlias(db, (await getAlias(db, 'a@example.com')).id, { targets: ['b@example.com'] });
    },
    input: 'a@example.com',
    expect: { reject: 'loop' },
  },
  {
    name: 'cycle a -> b -> a with a mailbox inside: delivered once',
    setup: async (db) => {
      await alias(db, 'a@example.com', 'jean@example.com');
      await alias(db, 'b@example.com', 'a@example.com', 'jean@example.com');
      await updateAlias(db, (await getAlias(db, 'a@example.com')).id, { targets: ['b@example.com', 'jean@example.com'] });
    },
    input: 'a@example.com',
    expect: { targets: ['L:jean@example.com'], skipped: ['a@example.com:loop'] },
  },
  {
    name: 'cycle entered from the middle (b -> a -> b) reaches both mailboxes once',
    setup: async (db) => {
      await alias(db, 'a@example.com', 'jean@example.com');
      await alias(db, 'b@example.com', 'a@example.com', 'marie@example.com');
      await updateAlias(db, (await getAlias(db, 'a@example.com')).id, { targets: ['b@example.com', 'jean@example.com'] });
    },
    input: 'b@example.com',
    expect: { targets: ['L:jean@example.com', 'L:marie@example.com'], skipped: ['b@example.com:loop'] },
  },
  {
    name: 'cycle through a redirect (jean -> info -> jean), keep-copy off: loop',
    setup: async (db) => {
      await alias(db, 'info@example.com', 'jean@example.com');
      await updateMailbox(db, 'jean@example.com', { redirectTo: ['info@example.com'] });
    },
    input: 'jean@example.com',
    expect: { reject: 'loop' },
  },
  {
    name: 'cycle through a redirect (jean -> info -> jean), keep-copy on: one local copy',
    setup: async (db) => {
      await alias(db, 'info@example.com', 'jean@example.com');
      await updateMailbox(db, 'jean@example.com', { redirectTo: ['info@example.com'], keepCopy: true });
    },
    input: 'jean@example.com',
    expect: { targets: ['L:jean@example.com'] },
  },
  {
    name: 'cycle through two redirecting mailboxes (jean <-> marie), no keep-copy: loop',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { redirectTo: ['marie@example.com'] });
      await updateMailbox(db, 'marie@example.com', { redirectTo: ['jean@example.com'] });
    },
    input: 'jean@example.com',
    expect: { reject: 'loop' },
  },
  { name: 'depth: 10 hops (default limit) delivers', setup: (db) => chain(db, 10), input: 'a0@example.com', expect: { targets: ['L:jean@example.com'] } },
  { name: 'depth: 11 hops exceeds the default limit: loop', setup: (db) => chain(db, 11), input: 'a0@example.com', expect: { reject: 'loop' } },
  { name: 'depth: maxDepth=3, 3 hops delivers', setup: (db) => chain(db, 3), input: 'a0@example.com', opts: { maxDepth: 3 }, expect: { targets: ['L:jean@example.com'] } },
  { name: 'depth: maxDepth=3, 4 hops: loop', setup: (db) => chain(db, 4), input: 'a0@example.com', opts: { maxDepth: 3 }, expect: { reject: 'loop' } },
  {
    name: 'depth: a too-long branch is skipped, a short branch still delivers',
    setup: async (db) => {
      await chain(db, 4);
      await alias(db, 'both@example.com', 'a0@example.com', 'marie@example.com');
    },
    input: 'both@example.com',
    opts: { maxDepth: 3 },
    expect: { targets: ['L:marie@example.com'], skipped: ['a3@example.com:loop'] },
  },

  // de-duplication
  {
    name: 'dedup: one mailbox reached by three paths',
    setup: async (db) => {
      await alias(db, 'info@example.com', 'jean@example.com');
      await alias(db, 'sales@example.com', 'jean@example.com');
      await alias(db, 'team@example.com', 'jean@example.com', 'info@example.com', 'sales@example.com');
    },
    input: 'team@example.com',
    expect: { targets: ['L:jean@example.com'], skipped: [] },
  },
  {
    name: 'dedup: one external address reached twice (case differs)',
    setup: async (db) => {
      await alias(db, 'info@example.com', 'Out@Remote.test');
      await alias(db, 'team@example.com', 'out@remote.test', 'info@example.com');
    },
    input: 'team@example.com',
    expect: { targets: ['E:out@remote.test'] },
  },
  {
    name: 'dedup: alias listing a mailbox and its redirect target',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { redirectTo: ['marie@example.com'], keepCopy: true });
      await alias(db, 'team@example.com', 'jean@example.com', 'marie@example.com');
    },
    input: 'team@example.com',
    expect: { targets: ['L:jean@example.com', 'L:marie@example.com'] },
  },

  // redirects
  { name: 'redirect to external, keep-copy off', setup: (db) => updateMailbox(db, 'jean@example.com', { redirectTo: ['out@remote.test'] }).then(() => undefined), input: 'jean@example.com', expect: { targets: ['E:out@remote.test'] } },
  { name: 'redirect to external, keep-copy on', setup: (db) => updateMailbox(db, 'jean@example.com', { redirectTo: ['out@remote.test'], keepCopy: true }).then(() => undefined), input: 'jean@example.com', expect: { targets: ['E:out@remote.test', 'L:jean@example.com'] } },
  { name: 'redirect to another local mailbox, keep-copy off', setup: (db) => updateMailbox(db, 'jean@example.com', { redirectTo: ['marie@example.com'] }).then(() => undefined), input: 'jean@example.com', expect: { targets: ['L:marie@example.com'] } },
  {
    name: 'redirect to two targets, keep-copy on',
    setup: (db) => updateMailbox(db, 'jean@example.com', { redirectTo: ['marie@example.com', 'out@remote.test'], keepCopy: true }).then(() => undefined),
    input: 'jean@example.com',
    expect: { targets: ['L:jean@example.com', 'L:marie@example.com', 'E:out@remote.test'] },
  },
  {
    name: 'keep-copy without a redirect is a plain mailbox',
    setup: (db) => updateMailbox(db, 'jean@example.com', { keepCopy: true }).then(() => undefined),
    input: 'jean@example.com',
    expect: { targets: ['L:jean@example.com'] },
  },
  {
    name: 'alias -> redirecting mailbox follows the redirect',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { redirectTo: ['out@remote.test'] });
      await alias(db, 'info@example.com', 'jean@example.com');
    },
    input: 'info@example.com',
    expect: { targets: ['E:out@remote.test'] },
  },

  // domain aliases
  { name: 'domain alias: x@alias.dom -> x@dom', setup: (db) => createDomainAlias(db, 'alias.test', 'example.com').then(() => undefined), input: 'jean@alias.test', expect: { recipient: 'jean@example.com', targets: ['L:jean@example.com'] } },
  {
    name: 'domain alias: alias address through the domain alias',
    setup: async (db) => {
      await createDomainAlias(db, 'alias.test', 'example.com');
      await alias(db, 'info@example.com', 'marie@example.com');
    },
    input: 'INFO@Alias.Test',
    expect: { recipient: 'info@example.com', targets: ['L:marie@example.com'] },
  },
  {
    name: 'domain alias: an alias target on the alias domain',
    setup: async (db) => {
      await createDomainAlias(db, 'alias.test', 'example.com');
      await alias(db, 'team@example.com', 'marie@alias.test');
    },
    input: 'team@example.com',
    expect: { targets: ['L:marie@example.com'] },
  },
  { name: 'domain alias: unknown user is unknown', setup: (db) => createDomainAlias(db, 'alias.test', 'example.com').then(() => undefined), input: 'ghost@alias.test', expect: { reject: 'unknown' } },
  {
    name: 'domain alias: catch-all of the target domain applies',
    setup: async (db) => {
      await createDomainAlias(db, 'alias.test', 'example.com');
      await alias(db, '*@example.com', 'marie@example.com');
    },
    input: 'ghost@alias.test',
    expect: { recipient: 'ghost@example.com', targets: ['L:marie@example.com'] },
  },
  {
    name: 'domain alias switched off: disabled',
    setup: async (db) => {
      await createDomainAlias(db, 'alias.test', 'example.com');
      await db('domain_aliases').where({ name: 'alias.test' }).update({ active: false });
    },
    input: 'jean@alias.test',
    expect: { reject: 'disabled' },
  },

  // subaddress
  { name: 'subaddress user+tag: tag kept', input: 'jean+news@example.com', expect: { recipient: 'jean+news@example.com', targets: ['L:jean@example.com#news'] } },
  { name: 'subaddress: upper-case tag is folded like the rest of the local part', input: 'Jean+News@Example.com', expect: { targets: ['L:jean@example.com#news'] } },
  { name: 'subaddress: exact user+tag mailbox wins', setup: (db) => mailbox(db, 'jean+news@example.com').then(() => undefined), input: 'jean+news@example.com', expect: { targets: ['L:jean+news@example.com'] } },
  { name: 'subaddress: exact user+tag alias wins', setup: (db) => alias(db, 'jean+news@example.com', 'marie@example.com').then(() => undefined), input: 'jean+news@example.com', expect: { targets: ['L:marie@example.com'] } },
  { name: 'subaddress of an alias resolves through the alias', setup: (db) => alias(db, 'info@example.com', 'jean@example.com').then(() => undefined), input: 'info+x@example.com', expect: { targets: ['L:jean@example.com'], ignoreTags: true } },
  { name: 'subaddress of an unknown user: unknown', input: 'ghost+x@example.com', expect: { reject: 'unknown' } },
  { name: 'subaddress wins over catch-all', setup: (db) => alias(db, '*@example.com', 'marie@example.com').then(() => undefined), input: 'jean+x@example.com', expect: { targets: ['L:jean@example.com#x'] } },
  { name: 'empty tag (user+) is not a subaddress', input: 'jean+@example.com', expect: { reject: 'unknown' } },

  // catch-all
  { name: 'catch-all takes unknown users', setup: (db) => alias(db, '*@example.com', 'marie@example.com').then(() => undefined), input: 'whoever@example.com', expect: { recipient: 'whoever@example.com', targets: ['L:marie@example.com'] } },
  { name: 'catch-all vs exact mailbox: exact wins', setup: (db) => alias(db, '*@example.com', 'marie@example.com').then(() => undefined), input: 'jean@example.com', expect: { targets: ['L:jean@example.com'] } },
  {
    name: 'catch-all vs exact alias: exact wins',
    setup: async (db) => {
      await alias(db, '*@example.com', 'marie@example.com');
      await alias(db, 'info@example.com', 'jean@example.com');
    },
    input: 'info@example.com',
    expect: { targets: ['L:jean@example.com'] },
  },
  { name: 'catch-all to external', setup: (db) => alias(db, '@example.com', 'all@remote.test').then(() => undefined), input: 'x@example.com', expect: { targets: ['E:all@remote.test'] } },
  { name: 'no catch-all: unknown', input: 'ghost@example.com', expect: { reject: 'unknown' } },
  {
    name: 'catch-all switched off: unknown users are unknown (5.1.1, not "disabled")',
    setup: async (db) => {
      const a = await alias(db, '*@example.com', 'marie@example.com');
      await updateAlias(db, a.id, { active: false });
    },
    input: 'ghost@example.com',
    expect: { reject: 'unknown' },
  },

  // inactive
  { name: 'inactive mailbox: disabled', setup: (db) => updateMailbox(db, 'jean@example.com', { active: false }).then(() => undefined), input: 'jean@example.com', expect: { reject: 'disabled' } },
  { name: 'inactive mailbox via subaddress: disabled', setup: (db) => updateMailbox(db, 'jean@example.com', { active: false }).then(() => undefined), input: 'jean+x@example.com', expect: { reject: 'disabled' } },
  {
    name: 'inactive alias: disabled',
    setup: async (db) => {
      const a = await alias(db, 'info@example.com', 'jean@example.com');
      await updateAlias(db, a.id, { active: false });
    },
    input: 'info@example.com',
    expect: { reject: 'disabled' },
  },
  {
    name: 'inactive member of an alias is skipped, the others deliver',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { active: false });
      await alias(db, 'team@example.com', 'jean@example.com', 'marie@example.com');
    },
    input: 'team@example.com',
    expect: { targets: ['L:marie@example.com'], skipped: ['jean@example.com:disabled'] },
  },
  {
    name: 'alias whose only member is inactive: disabled',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { active: false });
      await alias(db, 'info@example.com', 'jean@example.com');
    },
    input: 'info@example.com',
    expect: { reject: 'disabled' },
  },
  { name: 'inactive domain: disabled', setup: async (db) => void (await updateDomain(db, (await getDomain(db, 'example.com')).id, { active: false })), input: 'jean@example.com', expect: { reject: 'disabled' } },
  {
    name: 'inactive domain reached through a domain alias: disabled',
    setup: async (db) => {
      await createDomainAlias(db, 'alias.test', 'example.com');
      await updateDomain(db, (await getDomain(db, 'example.com')).id, { active: false });
    },
    input: 'jean@alias.test',
    expect: { reject: 'disabled' },
  },
  {
    name: 'alias member on an inactive domain is skipped',
    setup: async (db) => {
      const other = await domain(db, 'other.test');
      await mailbox(db, 'paul@other.test');
      await updateDomain(db, other.id, { active: false });
      await alias(db, 'team@example.com', 'paul@other.test', 'marie@example.com');
    },
    input: 'team@example.com',
    expect: { targets: ['L:marie@example.com'], skipped: ['paul@other.test:disabled'] },
  },
  {
    name: 'alias member that does not exist is skipped',
    setup: (db) => alias(db, 'team@example.com', 'ghost@example.com', 'marie@example.com').then(() => undefined),
    input: 'team@example.com',
    expect: { targets: ['L:marie@example.com'], skipped: ['ghost@example.com:unknown'] },
  },
  { name: 'alias whose only member does not exist: unknown', setup: (db) => alias(db, 'info@example.com', 'ghost@example.com').then(() => undefined), input: 'info@example.com', expect: { reject: 'unknown' } },

  // quota
  { name: 'used_bytes == quota: over_quota', setup: async (db) => { await updateMailbox(db, 'jean@example.com', { quotaMb: 1 }); await fill(db, 'jean@example.com', MB); }, input: 'jean@example.com', expect: { reject: 'over_quota' } },
  { name: 'used_bytes > quota: over_quota', setup: async (db) => { await updateMailbox(db, 'jean@example.com', { quotaMb: 1 }); await fill(db, 'jean@example.com', 5 * MB); }, input: 'jean@example.com', expect: { reject: 'over_quota' } },
  { name: 'one byte under quota: delivers', setup: async (db) => { await updateMailbox(db, 'jean@example.com', { quotaMb: 1 }); await fill(db, 'jean@example.com', MB - 1); }, input: 'jean@example.com', expect: { targets: ['L:jean@example.com'] } },
  { name: 'quota 0 is unlimited', setup: (db) => fill(db, 'jean@example.com', 50 * 1024 * MB), input: 'jean@example.com', expect: { targets: ['L:jean@example.com'] } },
  { name: 'over quota via subaddress: over_quota', setup: async (db) => { await updateMailbox(db, 'jean@example.com', { quotaMb: 1 }); await fill(db, 'jean@example.com', MB); }, input: 'jean+tag@example.com', expect: { reject: 'over_quota' } },
  {
    name: 'over-quota member of a multi-target alias is skipped',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { quotaMb: 1 });
      await fill(db, 'jean@example.com', MB);
      await alias(db, 'team@example.com', 'jean@example.com', 'marie@example.com');
    },
    input: 'team@example.com',
    expect: { targets: ['L:marie@example.com'], skipped: ['jean@example.com:over_quota'] },
  },
  {
    name: 'alias whose only member is over quota: over_quota',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { quotaMb: 1 });
      await fill(db, 'jean@example.com', MB);
      await alias(db, 'info@example.com', 'jean@example.com');
    },
    input: 'info@example.com',
    expect: { reject: 'over_quota' },
  },
  // recount (a client deleted mail): the counter says full, what is really stored decides
  { name: 'full by the counter, recount says room: delivers', setup: async (db) => { await updateMailbox(db, 'jean@example.com', { quotaMb: 1 }); await fill(db, 'jean@example.com', 5 * MB); }, input: 'jean@example.com', opts: { recount: async () => 100 }, expect: { targets: ['L:jean@example.com'] } },
  { name: 'full by the counter, recount says full: over_quota', setup: async (db) => { await updateMailbox(db, 'jean@example.com', { quotaMb: 1 }); await fill(db, 'jean@example.com', 5 * MB); }, input: 'jean@example.com', opts: { recount: async () => MB }, expect: { reject: 'over_quota' } },
  { name: 'under quota: no recount asked', setup: (db) => updateMailbox(db, 'jean@example.com', { quotaMb: 1 }).then(() => undefined), input: 'jean@example.com', opts: { recount: () => Promise.reject(new Error('no recount under quota')) }, expect: { targets: ['L:jean@example.com'] } },
  {
    name: 'alias member full by the counter, recount says room: delivers to both',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { quotaMb: 1 });
      await fill(db, 'jean@example.com', MB);
      await alias(db, 'team@example.com', 'jean@example.com', 'marie@example.com');
    },
    input: 'team@example.com',
    opts: { recount: async () => 0 },
    expect: { targets: ['L:jean@example.com', 'L:marie@example.com'], skipped: [] },
  },
  {
    name: 'full mailbox redirecting without keep-copy still forwards',
    setup: async (db) => {
      await updateMailbox(db, 'jean@example.com', { quotaMb: 1, redirectTo: ['out@remote.test'] });
      await fill(db, 'jean@example.com', MB);
    },
    input: 'jean@example.com',
    expect: { targets: ['E:out@remote.test'] },
  },

  // IDN and case
  {
    name: 'IDN + case: JEAN@EXÄMPLE.fr',
    setup: async (db) => {
      await domain(db, 'exämple.fr');
      await mailbox(db, 'jean@exämple.fr');
    },
    input: 'JEAN@EXÄMPLE.fr',
    expect: { recipient: 'jean@xn--exmple-cua.fr', targets: ['L:jean@xn--exmple-cua.fr'] },
  },
  {
    name: 'IDN: punycode input in upper case',
    setup: async (db) => {
      await domain(db, 'EXÄMPLE.fr');
      await mailbox(db, 'Jean@exämple.FR');
    },
    input: 'Jean@XN--EXMPLE-CUA.FR',
    expect: { recipient: 'jean@xn--exmple-cua.fr', targets: ['L:jean@xn--exmple-cua.fr'] },
  },
  { name: 'upper-case local part and domain', input: '<JEAN@Example.COM>', expect: { recipient: 'jean@example.com', targets: ['L:jean@example.com'] } },
  { name: 'trailing dot on the domain', input: 'jean@example.com.', expect: { recipient: 'jean@example.com', targets: ['L:jean@example.com'] } },
  {
    name: 'IDN domain alias to an ASCII domain',
    setup: (db) => createDomainAlias(db, 'bücher.test', 'example.com').then(() => undefined),
    input: 'Marie@BÜCHER.test',
    expect: { recipient: 'marie@example.com', targets: ['L:marie@example.com'] },
  },

  // not ours
  { name: 'domain not hosted: remote', input: 'someone@Remote.test', expect: { remote: 'someone@remote.test' } },
  { name: 'sub-domain of a hosted domain is not hosted', input: 'jean@mail.example.com', expect: { remote: 'jean@mail.example.com' } },

  // postmaster
  { name: 'postmaster: default goes to the first mailbox', input: 'postmaster@example.com', expect: { recipient: 'postmaster@example.com', targets: ['L:jean@example.com'] } },
  { name: 'postmaster: case-insensitive', input: 'PostMaster@EXAMPLE.com', expect: { targets: ['L:jean@example.com'] } },
  { name: 'postmaster: first *active* mailbox', setup: (db) => updateMailbox(db, 'jean@example.com', { active: false }).then(() => undefined), input: 'postmaster@example.com', expect: { targets: ['L:marie@example.com'] } },
  { name: 'postmaster: MAILHOST_POSTMASTER (external) via opts.postmaster', input: 'postmaster@example.com', opts: { postmaster: 'hostmaster@isp.test' }, expect: { targets: ['E:hostmaster@isp.test'] } },
  { name: 'postmaster: opts.postmaster pointing at a local mailbox', input: 'postmaster@example.com', opts: { postmaster: 'Marie@Example.com' }, expect: { targets: ['L:marie@example.com'] } },
  { name: 'postmaster: opts.postmaster = itself falls back to the first mailbox', input: 'postmaster@example.com', opts: { postmaster: 'postmaster@example.com' }, expect: { targets: ['L:jean@example.com'] } },
  {
    name: 'postmaster: explicit alias targets win over opts.postmaster',
    setup: (db) => alias(db, 'postmaster@example.com', 'marie@example.com').then(() => undefined),
    input: 'postmaster@example.com',
    opts: { postmaster: 'hostmaster@isp.test' },
    expect: { targets: ['L:marie@example.com'] },
  },
  { name: 'postmaster: a real postmaster mailbox replaces the default', setup: (db) => mailbox(db, 'postmaster@example.com').then(() => undefined), input: 'postmaster@example.com', expect: { targets: ['L:postmaster@example.com'] } },
  { name: 'postmaster: domain without mailboxes and no default: unknown', setup: (db) => domain(db, 'empty.test').then(() => undefined), input: 'postmaster@empty.test', expect: { reject: 'unknown' } },
  { name: 'postmaster: domain without mailboxes, opts.postmaster set', setup: (db) => domain(db, 'empty.test').then(() => undefined), input: 'postmaster@empty.test', opts: { postmaster: 'hostmaster@isp.test' }, expect: { targets: ['E:hostmaster@isp.test'] } },
  // abuse@ (RFC 2142) is routed like postmaster@
  { name: 'abuse: default goes to the first mailbox', input: 'abuse@example.com', expect: { recipient: 'abuse@example.com', targets: ['L:jean@example.com'] } },
  { name: 'abuse: MAILHOST_POSTMASTER via opts.postmaster', input: 'Abuse@example.com', opts: { postmaster: 'hostmaster@isp.test' }, expect: { targets: ['E:hostmaster@isp.test'] } },
  { name: 'abuse: explicit alias targets', setup: (db) => alias(db, 'abuse@example.com', 'marie@example.com').then(() => undefined), input: 'abuse@example.com', expect: { targets: ['L:marie@example.com'] } },
  { name: 'abuse: a real abuse mailbox replaces the default', setup: (db) => mailbox(db, 'abuse@example.com').then(() => undefined), input: 'abuse@example.com', expect: { targets: ['L:abuse@example.com'] } },
  { name: 'abuse: domain without mailboxes and no default: unknown', setup: (db) => domain(db, 'empty.test').then(() => undefined), input: 'abuse@empty.test', expect: { reject: 'unknown' } },
  { name: 'postmaster of a domain alias', setup: (db) => createDomainAlias(db, 'alias.test', 'example.com').then(() => undefined), input: 'postmaster@alias.test', expect: { recipient: 'postmaster@example.com', targets: ['L:jean@example.com'] } },

  // SRS bounces
  { name: 'SRS: valid bounce address reverses to the original sender', input: `${srsForward('Alice@Remote.test', 'example.com', SECRET)}`, opts: withSrs, expect: { targets: ['E:alice@remote.test'] } },
  { name: 'SRS: upper/lower case of the SRS address does not matter', input: srsForward('alice@remote.test', 'example.com', SECRET).toUpperCase(), opts: withSrs, expect: { targets: ['E:alice@remote.test'] } },
  {
    name: 'SRS: forged hash: unknown',
    input: srsForward('alice@remote.test', 'example.com', SECRET).replace(/^SRS0=([0-9a-f]{8})/, (_m, h: string) => `SRS0=${h[0] === '0' ? '1' : '0'}${h.slice(1)}`),
    opts: withSrs,
    expect: { reject: 'unknown' },
  },
  { name: 'SRS: signed with another secret: unknown', input: srsForward('alice@remote.test', 'example.com', 'other-secret'), opts: withSrs, expect: { reject: 'unknown' } },
  { name: 'SRS: expired (30 days old): unknown', input: srsForward('alice@remote.test', 'example.com', SECRET, now() - 30 * DAY), opts: withSrs, expect: { reject: 'unknown' } },
  { name: 'SRS: on a domain we do not host: remote', input: srsForward('alice@remote.test', 'elsewhere.test', SECRET), opts: withSrs, expect: { remote: srsForward('alice@remote.test', 'elsewhere.test', SECRET).toLowerCase() } },
  {
    name: 'SRS: a long original sender (SRS local part > 64 chars) still reverses',
    input: srsForward('jean-pierre.dupont@newsletters.entreprise-exemple.fr', 'example.com', SECRET),
    opts: withSrs,
    expect: { targets: ['E:jean-pierre.dupont@newsletters.entreprise-exemple.fr'] },
  },
  { name: 'SRS: srs0 local part without a reverser is just an unknown user', input: srsForward('alice@remote.test', 'example.com', SECRET), expect: { reject: 'unknown' } },

  // malformed input
  ...['', 'noat', 'jean@', '@example.com', 'jean@@example.com', 'a b@example.com', 'a..b@example.com', '.jean@example.com', 'jean@exa_mple.com', 'jean@localhost', 'jean@1.2.3.4', 'a/b@example.com', `${'x'.repeat(65)}@example.com`, 'jean@-example.com'].map(
    (input): Case => ({ name: `malformed: ${JSON.stringify(input)}`, input, expect: { reject: 'malformed' } }),
  ),
];

// --- running the table ------------------------------------------------------------------
function describeTarget(t: Extract<Resolution, { status: 'local' }>['targets'][number], ignoreTags: boolean): string {
  if (t.kind === 'external') return `E:${t.address}`;
  return `L:${t.mailbox.address}${t.tag && !ignoreTags ? `#${t.tag}` : ''}`;
}

function check(res: Resolution, expected: Expect): void {
  if ('reject' in expected) {
    assert.equal(res.status, 'reject', `expected reject ${expected.reject}, got ${JSON.stringify(res)}`);
    if (res.status === 'reject') {
      assert.equal(res.reason, expected.reject);
      assert.ok(res.message.length > 0);
    }
    return;
  }
  if ('remote' in expected) {
    assert.deepEqual(res, { status: 'remote', recipient: expected.remote });
    return;
  }
  assert.equal(res.status, 'local', `expected local delivery, got ${JSON.stringify(res)}`);
  if (res.status !== 'local') return;
  if (expected.recipient) assert.equal(res.recipient, expected.recipient);
  const got = res.targets.map((t) => describeTarget(t, !!expected.ignoreTags));
  assert.equal(new Set(got).size, got.length, `duplicate targets: ${got}`);
  assert.deepEqual([...got].sort(), [...expected.targets].sort());
  if (expected.skipped) {
    assert.deepEqual(res.skipped.map((s) => `${s.address}:${s.reason}`).sort(), [...expected.skipped].sort());
  }
  if (expected.via) {
    assert.equal(res.targets.length, 1);
    assert.deepEqual(res.targets[0].via, expected.via);
  }
}

describeEachEngineShared('recipient resolution', ({ t }) => {
  for (const c of cases) {
    (c.knownBug && !process.env.TEST_KNOWN_BUGS ? it.skip : it)(c.knownBug ? `${c.name} [known bug: ${c.knownBug}]` : c.name, async () => {
      const { db } = t();
      await base(db);
      if (c.setup) await c.setup(db);
      const res = await resolveRecipient(sqlDirectory(db), c.input, c.opts);
      check(res, c.expect);
    });
  }

  it('resolves many recipients concurrently on one directory without mixing them up', async () => {
    const { db } = t();
    await base(db);
    await alias(db, 'info@example.com', 'marie@example.com');
    const dir = sqlDirectory(db);
    const inputs = ['jean@example.com', 'info@example.com', 'ghost@example.com', 'x@remote.test', 'jean+a@example.com'];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => resolveRecipient(dir, inputs[i % inputs.length])));
    results.forEach((res, i) => {
      const expected: Expect[] = [{ targets: ['L:jean@example.com'] }, { targets: ['L:marie@example.com'] }, { reject: 'unknown' }, { remote: 'x@remote.test' }, { targets: ['L:jean@example.com#a'] }];
      check(res, expected[i % inputs.length]);
    });
  });

  it('counts usage exactly when many deliveries to several mailboxes finish at once (batched writes)', async () => {
    const { db } = t();
    await base(db);
    const jean = (await getMailbox(db, 'jean@example.com')).id;
    const marie = (await getMailbox(db, 'marie@example.com')).id;
    const adds = Array.from({ length: 30 }, (_, i) => addUsage(db, i % 3 ? jean : marie, 1000 + i));
    await Promise.all(adds);
    const expect = (pick: (i: number) => boolean) => Array.from({ length: 30 }, (_, i) => i).filter(pick).reduce((n, i) => n + 1000 + i, 0);
    assert.equal((await getMailbox(db, 'jean@example.com')).used_bytes, expect((i) => i % 3 !== 0));
    assert.equal((await getMailbox(db, 'marie@example.com')).used_bytes, expect((i) => i % 3 === 0));
  });
});
