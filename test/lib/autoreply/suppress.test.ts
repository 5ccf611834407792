// Every "never reply" rule of issue 4 as a table case, plus the cases that must still reply.
import assert from 'node:assert/strict';
import { shouldSuppress, replyRecipient, isNoReplyLocalPart, type SuppressContext, type SuppressReason } from '../../../lib/autoreply';

const MAILBOX = 'zoe@exemple.fr';
const plain = { From: 'Jean <jean@client.example>', To: MAILBOX, Subject: 'Bonjour' };

interface Case {
  name: string;
  headers?: Record<string, string | string[]>;
  mailFrom?: string;
  ctx?: Partial<SuppressContext>;
  expect: SuppressReason | null;
}

const cases: Case[] = [
  { name: 'an ordinary message gets a reply', expect: null },
  // envelope
  { name: 'empty envelope sender (bounce, other autoreply)', mailFrom: '', expect: 'null_sender' },
  { name: 'envelope sender <>', mailFrom: '<>', expect: 'null_sender' },
  { name: 'MAILER-DAEMON without domain', mailFrom: 'MAILER-DAEMON', expect: 'mailer_daemon' },
  { name: 'MAILER-DAEMON@host', mailFrom: 'MAILER-DAEMON@mx.client.example', expect: 'mailer_daemon' },
  { name: 'unparseable envelope sender', mailFrom: 'not an address', expect: 'invalid_sender' },
  // RFC 3834
  { name: 'Auto-Submitted: auto-replied', headers: { 'Auto-Submitted': 'auto-replied' }, expect: 'auto_submitted' },
  { name: 'Auto-Submitted: auto-generated (comment)', headers: { 'Auto-Submitted': 'auto-generated (daily report)' }, expect: 'auto_submitted' },
  { name: 'Auto-Submitted: auto-notified; params', headers: { 'Auto-Submitted': 'Auto-Notified; owner-email="x@y.z"' }, expect: 'auto_submitted' },
  { name: 'Auto-Submitted: no still gets a reply', headers: { 'Auto-Submitted': 'no' }, expect: null },
  { name: 'Auto-Submitted: No (comment) still gets a reply', headers: { 'Auto-Submitted': 'No (typed by a person)' }, expect: null },
  { name: 'X-Autoreply of older responders', headers: { 'X-Autoreply': 'yes' }, expect: 'autoreply_header' },
  // mass mail
  { name: 'Precedence: bulk', headers: { Precedence: 'bulk' }, expect: 'precedence' },
  { name: 'Precedence: list', headers: { Precedence: 'List' }, expect: 'precedence' },
  { name: 'Precedence: junk', headers: { Precedence: 'junk' }, expect: 'precedence' },
  { name: 'Precedence: first-class still gets a reply', headers: { Precedence: 'first-class' }, expect: null },
  { name: 'List-Id', headers: { 'List-Id': '<users.lists.example>' }, expect: 'list_message' },
  { name: 'List-Post', headers: { 'List-Post': '<mailto:users@lists.example>' }, expect: 'list_message' },
  { name: 'List-Unsubscribe', headers: { 'List-Unsubscribe': '<https://news.example/u?x=1>' }, expect: 'list_message' },
  { name: 'multipart/report (DSN, MDN)', headers: { 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="b"' }, expect: 'report' },
  // Microsoft
  { name: 'X-Auto-Response-Suppress: OOF', headers: { 'X-Auto-Response-Suppress': 'OOF' }, expect: 'auto_response_suppress' },
  { name: 'X-Auto-Response-Suppress: DR, AutoReply', headers: { 'X-Auto-Response-Suppress': 'DR, AutoReply' }, expect: 'auto_response_suppress' },
  { name: 'X-Auto-Response-Suppress: All', headers: { 'X-Auto-Response-Suppress': 'All' }, expect: 'auto_response_suppress' },
  { name: 'X-Auto-Response-Suppress: DR, RN still gets a reply', headers: { 'X-Auto-Response-Suppress': 'DR, RN, NRN' }, expect: null },
  // loops
  { name: 'X-Loop', headers: { 'X-Loop': 'someone@elsewhere.example' }, expect: 'loop' },
  { name: 'our own loop header', headers: { 'X-Mailhost-Autoreply': 'yes' }, expect: 'loop' },
  // robots
  { name: 'noreply sender', mailFrom: 'noreply@shop.example', expect: 'noreply_sender' },
  { name: 'no-reply sender', mailFrom: 'No-Reply@shop.example', expect: 'noreply_sender' },
  { name: 'no_reply-billing sender', mailFrom: 'no_reply-billing@shop.example', expect: 'noreply_sender' },
  { name: 'do-not-reply sender', mailFrom: 'do-not-reply@shop.example', expect: 'noreply_sender' },
  { name: 'donotreply sender', mailFrom: 'donotreply@shop.example', expect: 'noreply_sender' },
  { name: 'postmaster sender', mailFrom: 'postmaster@client.example', expect: 'noreply_sender' },
  { name: 'listserv sender', mailFrom: 'listserv@lists.example', expect: 'noreply_sender' },
  { name: 'majordomo sender', mailFrom: 'majordomo@lists.example', expect: 'noreply_sender' },
  { name: 'owner-* sender', mailFrom: 'owner-users@lists.example', expect: 'noreply_sender' },
  { name: '*-request sender', mailFrom: 'users-request@lists.example', expect: 'noreply_sender' },
  { name: 'bounces* sender (VERP)', mailFrom: 'bounces+1611913-ae4e_jean=client.example@mail48.hubspot.example', expect: 'noreply_sender' },
  { name: 'bounce-mc sender', mailFrom: 'bounce-mc.us2_604019_@mail148.rsgsv.example', expect: 'noreply_sender' },
  { name: 'noreply Reply-To', headers: { 'Reply-To': 'Service <noreply@shop.example>' }, expect: 'noreply_reply_to' },
  { name: 'one of two Reply-To is a robot', headers: { 'Reply-To': 'a@client.example, do-not-reply@client.example' }, expect: 'noreply_reply_to' },
  { name: 'noreply From header', headers: { From: 'Shop <no-reply@shop.example>' }, expect: 'noreply_from' },
  { name: 'a person called "bouncer" is not a robot', mailFrom: 'bouncer.jean@client.example', expect: null },
  { name: 'a person called "norbert" is not a robot', mailFrom: 'norbert@client.example', expect: null },
  // ourselves
  { name: 'the sender is the mailbox itself', mailFrom: MAILBOX, expect: 'own_address' },
  { name: 'the sender is the mailbox itself (case, angle brackets)', mailFrom: '<Zoe@Exemple.FR>', expect: 'own_address' },
  { name: 'the sender is the alias it arrived through', mailFrom: 'contact@exemple.fr', ctx: { addresses: ['contact@exemple.fr'] }, expect: 'own_address' },
  { name: 'From header is the mailbox itself', headers: { From: `Zoé <${MAILBOX}>` }, expect: 'own_address' },
  // the spam step
  { name: 'spam verdict for this recipient', ctx: { verdict: 'spam' }, expect: 'spam' },
  { name: 'virus verdict for this recipient', ctx: { verdict: 'virus' }, expect: 'virus' },
  { name: 'fate: quarantined spam', ctx: { fate: { action: 'quarantine', reason: 'spam: score at or above 5' } }, expect: 'spam' },
  { name: 'fate: virus dropped', ctx: { fate: { action: 'drop', reason: 'virus: deleted by policy' } }, expect: 'virus' },
  { name: 'fate: tagged spam delivered to the inbox', ctx: { fate: { action: 'inbox', subjectTag: '*****SPAM*****', reason: 'spam: score at or above 5, tagged' } }, expect: 'spam' },
  { name: 'fate: Junk without a category', ctx: { fate: { action: 'junk' } }, expect: 'not_inbox' },
  { name: 'fate: held newsletter', ctx: { fate: { action: 'quarantine', reason: 'newsletter: held by policy' } }, expect: 'not_inbox' },
  { name: 'X-Spam-Flag: YES with no recipient verdict', headers: { 'X-Spam-Flag': 'YES' }, expect: 'spam' },
  { name: 'allowed sender: the recipient verdict wins over X-Spam-Flag', headers: { 'X-Spam-Flag': 'YES' }, ctx: { fate: { action: 'inbox', reason: 'ham: allowed by mailbox allow list *@spam-free.example (envelope sender)' } }, expect: null },
  { name: 'fate: inbox ham', ctx: { fate: { action: 'inbox', reason: 'ham' } }, expect: null },
  // quarantine release
  { name: 'released from quarantine', ctx: { released: true }, expect: 'released' },
];

describe('autoreply suppression rules', () => {
  for (const c of cases) {
    it(`${c.expect ?? 'replies'}: ${c.name}`, () => {
      const headers = { ...plain, ...c.headers };
      const got = shouldSuppress(headers, { mailFrom: c.mailFrom ?? 'jean@client.example' }, { mailbox: MAILBOX, ...c.ctx });
      assert.equal(got, c.expect);
    });
  }

  it('reads Haraka-style header objects (get_all) and functions alike', () => {
    const values: Record<string, string[]> = { precedence: ['bulk\n'] };
    const haraka = { get_all: (n: string) => values[n.toLowerCase()] ?? [] };
    assert.equal(shouldSuppress(haraka, { mailFrom: 'jean@client.example' }, { mailbox: MAILBOX }), 'precedence');
    assert.equal(shouldSuppress((n) => values[n.toLowerCase()] ?? [], { mailFrom: 'jean@client.example' }, { mailbox: MAILBOX }), 'precedence');
  });

  it('header names are case-insensitive', () => {
    assert.equal(shouldSuppress({ 'list-id': '<x.example>' }, { mailFrom: 'jean@client.example' }, { mailbox: MAILBOX }), 'list_message');
    assert.equal(shouldSuppress({ 'AUTO-SUBMITTED': 'auto-generated' }, { mailFrom: 'jean@client.example' }, { mailbox: MAILBOX }), 'auto_submitted');
  });

  const robots = ['noreply', 'no-reply', 'no.reply', 'noreply+tag', 'do-not-reply', 'donotreply', 'postmaster', 'mailer-daemon', 'MAILER-DAEMON', 'listserv', 'majordomo', 'owner-list', 'list-owner', 'list-request', 'list-request+x', 'bounces', 'bounce', 'bounces-123', 'list-bounces'];
  const people = ['jean', 'norbert', 'bouncer.jean', 'requester', 'owner', 'postmasters', 'reply', 'marie-owner.dupont'];
  it('recognises robots local parts', () => {
    for (const l of robots) assert.equal(isNoReplyLocalPart(l), true, l);
    for (const l of people) assert.equal(isNoReplyLocalPart(l), false, l);
  });
});

describe('autoreply recipient (To the sender or a safe Reply-To)', () => {
  const ctx = { mailbox: MAILBOX };
  const env = { mailFrom: 'bounce-123@mail.client.example' };
  const cases: [string, Record<string, string>, string, string | null][] = [
    ['no Reply-To: the envelope sender', {}, 'jean@client.example', 'jean@client.example'],
    ['Reply-To in the sender domain', { 'Reply-To': 'Jean <Jean.Perso@client.example>' }, 'jean@client.example', 'jean.perso@client.example'],
    ['Reply-To in a parent domain of the sender', { 'Reply-To': 'sales@client.example', From: 'x@other.example' }, env.mailFrom, 'sales@client.example'],
    ['Reply-To in the From domain only (the From proves nothing): the envelope sender', { 'Reply-To': 'help@shop.example', From: 'Shop <news@shop.example>' }, 'jean@client.example', 'jean@client.example'],
    ['forged From and Reply-To aimed at a third party (reflection): the envelope sender', { 'Reply-To': 'ceo@victim.example', From: 'ceo@victim.example' }, 'bulk@attacker.example', 'bulk@attacker.example'],
    ['Reply-To elsewhere (reflection): the envelope sender', { 'Reply-To': 'victim@third.example' }, 'jean@client.example', 'jean@client.example'],
    ['two Reply-To: the envelope sender', { 'Reply-To': 'a@client.example, b@client.example' }, 'jean@client.example', 'jean@client.example'],
    ['Reply-To is ourselves: the envelope sender', { 'Reply-To': MAILBOX }, 'jean@client.example', 'jean@client.example'],
    ['garbage Reply-To: the envelope sender', { 'Reply-To': 'not an address' }, 'jean@client.example', 'jean@client.example'],
    ['no valid envelope sender: nobody', {}, '', null],
  ];
  for (const [name, headers, mailFrom, expected] of cases) {
    it(name, () => assert.equal(replyRecipient({ From: 'Jean <jean@client.example>', ...headers }, { mailFrom }, ctx), expected));
  }
});
