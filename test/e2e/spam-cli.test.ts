// The `mailhost` commands of the spam feature (policy, list, quarantine, purge) run in-process
// against a fresh database on SQLite and MariaDB: outputs, effects, and exit 2 with one line
// on bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describeEachEngine } from '../helpers/db';
import { main } from '../../bin/cli';
import { storeQuarantined, listQuarantine } from '../../lib/quarantine';
import { getMailbox, getDomain } from '../../lib/directory';
import { maildirPath } from '../../lib/delivery';
import { learnedAs } from '../../lib/spam';

interface Run {
  code: number;
  out: string;
  err: string[];
}

describeEachEngine('spam CLI', ({ t }) => {
  const env = () => ({ MAILHOST_DB: t().url, MAILHOST_DATA: t().dir });
  async function run(...argv: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { env: env(), out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err };
  }
  async function ok(...argv: string[]): Promise<string> {
    const r = await run(...argv);
    assert.equal(r.code, 0, `mailhost ${argv.join(' ')}: ${r.err.join(' ')}`);
    return r.out;
  }
  /** exit 2 with exactly one line on stderr, matching `re` */
  async function bad(re: RegExp, ...argv: string[]): Promise<void> {
    const r = await run(...argv);
    assert.equal(r.code, 2, `mailhost ${argv.join(' ')} exited ${r.code}: ${r.err.join(' ')}`);
    assert.equal(r.err.length, 1, r.err.join('|'));
    assert.doesNotMatch(r.err[0], /\n/);
    assert.match(r.err[0], re);
  }
  async function provision() {
    await ok('domain', 'add', 'example.com');
    await ok('mailbox', 'add', 'jean@example.com', '--password', 'secret-pass-1');
    await ok('mailbox', 'add', 'marie@example.com', '--password', 'secret-pass-1');
  }

  it('policy add|set|list|assign|del', async () => {
    await provision();
    assert.match(await ok('policy', 'add', 'strict', '--threshold', '3', '--action', 'quarantine', '--subject-tag', '[SPAM]', '--newsletter', 'junk', '--antivirus', 'yes', '--virus-action', 'reject'), /policy strict\tthreshold=3\taction=quarantine/);
    await ok('policy', 'set', 'strict', '--threshold=-1.5', '--warning', 'Attention');
    await ok('policy', 'assign', 'strict', 'example.com');
    await ok('policy', 'assign', 'default', 'marie@example.com');
    const list = JSON.parse(await ok('policy', 'list', '--json'));
    const strict = list.find((p: { name: string }) => p.name === 'strict');
    assert.deepEqual(
      { threshold: strict.threshold, action: strict.action, warning: strict.warning, nl: strict.newsletter_action, virus: strict.virus_action, domains: strict.domains },
      { threshold: -1.5, action: 'quarantine', warning: 'Attention', nl: 'junk', virus: 'reject', domains: 1 },
    );
    assert.equal(list.find((p: { name: string }) => p.name === 'default').mailboxes, 1);
    assert.match(await ok('policy', 'list'), /^default\t/m);
    assert.equal((await getDomain(t().db, 'example.com')).spam_policy_id, strict.id);
    assert.match(await ok('policy', 'assign', 'none', 'marie@example.com'), /no policy of its own/);
    assert.equal((await getMailbox(t().db, 'marie@example.com')).spam_policy_id, null);
    await ok('policy', 'set', 'strict', '--rename', 'careful');
    await ok('policy', 'del', 'careful');
    assert.equal((await getDomain(t().db, 'example.com')).spam_policy_id, null);

    await bad(/threshold must be a number/, 'policy', 'add', 'x', '--threshold', 'lots');
    await bad(/action must be one of tag, junk, quarantine, delete, reject/, 'policy', 'add', 'x', '--action', 'bounce');
    await bad(/--antivirus takes yes or no/, 'policy', 'add', 'x', '--antivirus', 'maybe');
    await bad(/already exists/, 'policy', 'add', 'default');
    await bad(/cannot be deleted/, 'policy', 'del', 'default');
    await bad(/policy nope does not exist/, 'policy', 'assign', 'nope', 'example.com');
    await bad(/mailbox ghost@example.com does not exist/, 'policy', 'assign', 'default', 'ghost@example.com');
    await bad(/usage: mailhost policy/, 'policy', 'frobnicate');
    await bad(/usage: mailhost policy add/, 'policy', 'add');
    await bad(/Unknown option/, 'policy', 'add', 'y', '--colour', 'red');
  });

  it('list add|list|check|del', async () => {
    await provision();
    assert.match(await ok('list', 'add', 'block', 'Spam.Example'), /\*@spam\.example added to the global block list/);
    await ok('list', 'add', 'allow', 'friend@spam.example', '--mailbox', 'jean@example.com', '--comment', 'my friend');
    await ok('list', 'add', 'newsletter', '*.bücher.de', '--domain', 'example.com');
    const all = JSON.parse(await ok('list', 'list', '--json'));
    assert.deepEqual(
      all.map((r: { scope: string; owner: string; kind: string; pattern: string }) => `${r.scope}:${r.owner}:${r.kind}:${r.pattern}`).sort(),
      ['domain:example.com:newsletter:*@*.xn--bcher-kva.de', 'global:global:block:*@spam.example', 'mailbox:jean@example.com:allow:friend@spam.example'],
    );
    assert.match(await ok('list', 'list', '--domain', 'example.com'), /newsletter\t\*@\*\.xn--bcher-kva\.de/);
    assert.equal(JSON.parse(await ok('list', 'list', '--global', '--json')).length, 1);
    assert.match(await ok('list', 'check', 'friend@spam.example', 'jean@example.com'), /^allow \(mailbox list, friend@spam\.example/);
    assert.match(await ok('list', 'check', 'friend@spam.example', 'marie@example.com'), /^block \(global list/);
    assert.match(await ok('list', 'check', 'x@notspam.example', 'marie@example.com'), /^no list decides/);
    assert.match(await ok('list', 'check', 'news@shop.bücher.de', 'marie@example.com'), /newsletters from this sender are wanted/);

    await bad(/already on the global block list/, 'list', 'add', 'block', '@spam.example');
    await bad(/invalid sender pattern "spam\.example\.evil@"/, 'list', 'add', 'block', 'spam.example.evil@');
    await bad(/list kind must be one of allow, block, newsletter/, 'list', 'add', 'deny', 'x.example');
    await bad(/give --domain or --mailbox, not both/, 'list', 'add', 'allow', 'x.example', '--domain', 'example.com', '--mailbox', 'jean@example.com');
    await bad(/domain nothere\.example does not exist/, 'list', 'add', 'allow', 'x.example', '--domain', 'nothere.example');
    await bad(/one pattern at a time/, 'list', 'add', 'allow', 'a.example', 'b.example');
    await bad(/not on the global allow list/, 'list', 'del', 'allow', 'spam.example');

    await ok('list', 'del', 'block', 'SPAM.example');
    await ok('list', 'del', '--id', String(all.find((r: { kind: string }) => r.kind === 'allow').id));
    await bad(/list entry 999999 does not exist/, 'list', 'del', '--id', '999999');
    assert.equal(JSON.parse(await ok('list', 'list', '--json')).length, 1);
  });

  it('quarantine list|show|release|delete|report|config and purge', async () => {
    await provision();
    const db = t().db;
    const jean = await getMailbox(db, 'jean@example.com');
    const marie = await getMailbox(db, 'marie@example.com');
    const raw = (subject: string) => Buffer.from(`From: Promo <promo@shop.example>\r\nTo: jean@example.com\r\nSubject: ${subject}\r\nX-Spam-Flag: YES\r\n\r\nCheap ${subject}.\r\n`);
    const info = (subject: string, daysAgo: number) => ({ mailFrom: 'bounce@shop.example', headerFrom: 'promo@shop.example', subject, score: 8.4, reasons: [{ rule: 'R1', points: 8.4 }], receivedMs: Date.now() - daysAgo * 86_400_000 });
    for (let i = 0; i < 17; i++) await storeQuarantined(db, raw(`offer ${i}`), [{ mailboxId: jean.id, category: 'spam' }], info(`offer ${i}`, 1 + i / 100));
    const [virusId] = await storeQuarantined(db, raw('infected'), [{ mailboxId: marie.id, category: 'virus' }], info('infected', 0));
    await storeQuarantined(db, raw('ancient'), [{ mailboxId: marie.id, category: 'spam' }], info('ancient', 20));

    const p1 = JSON.parse(await ok('quarantine', 'list', '--json'));
    assert.equal(p1.total, 19);
    assert.equal(p1.rows.length, 15);
    assert.equal(p1.rows[0].subject, 'infected', 'newest first');
    const p2 = JSON.parse(await ok('quarantine', 'list', '--page', '2', '--json'));
    assert.deepEqual(p2.rows.map((r: { subject: string }) => r.subject), ['offer 14', 'offer 15', 'offer 16', 'ancient']);
    assert.equal(JSON.parse(await ok('quarantine', 'list', '--category', 'virus', '--json')).total, 1);
    assert.equal(JSON.parse(await ok('quarantine', 'list', '--mailbox', 'marie@example.com', '--json')).total, 2);
    assert.equal(JSON.parse(await ok('quarantine', 'list', '--domain', 'example.com', '--sender', 'PROMO@shop', '--subject', 'offer 1', '--json')).total, 8);
    const text = await ok('quarantine', 'list', '--mailbox', 'marie@example.com');
    assert.match(text, /\tjean@example\.com\t|\tmarie@example\.com\tvirus\t8\.4\tbounce@shop\.example\tinfected\theld/);
    assert.match(text, /2 message\(s\)$/);

    const shown = await ok('quarantine', 'show', String(virusId));
    assert.match(shown, /^#\d+ for marie@example\.com: virus, score 8\.4/);
    assert.match(shown, /Subject: infected/);
    assert.match(shown, /Cheap infected\./);
    const js = JSON.parse(await ok('quarantine', 'show', String(virusId), '--json'));
    assert.equal(js.subject, 'infected');
    assert.ok(js.headers.some((h: { name: string }) => h.name === 'X-Spam-Flag'));
    assert.equal(await ok('quarantine', 'show', String(virusId), '--raw'), raw('infected').toString());

    const jeanNew = path.join(maildirPath(t().dir, 'jean@example.com'), 'new');
    const id = String(p1.rows[1].id);
    assert.match(await ok('quarantine', 'release', id, '--allow-sender'), /released\nbounce@shop\.example added to the allow list/);
    assert.equal(fs.readdirSync(jeanNew).length, 1);
    assert.match(await ok('quarantine', 'release', id), /already released/);
    assert.equal(fs.readdirSync(jeanNew).length, 1);
    assert.equal(JSON.parse(await ok('list', 'list', '--mailbox', 'jean@example.com', '--json'))[0].pattern, 'bounce@shop.example');
    assert.equal(JSON.parse(await ok('quarantine', 'list', '--status', 'released', '--json')).total, 1);

    assert.match(await ok('quarantine', 'report', String(virusId), '--learn'), /false positive, learned as ham/);
    assert.equal((await listQuarantine(db, { category: 'virus' })).rows[0].reported, true);
    assert.equal(await learnedAs(db, raw('infected'), { scope: marie.domain_id }), 'ham', 'learned in the domain scope');
    await ok('quarantine', 'delete', String(virusId));
    await bad(/quarantined message \d+ does not exist/, 'quarantine', 'show', String(virusId));
    await bad(/usage: mailhost quarantine release/, 'quarantine', 'release', 'abc');
    await bad(/--status takes held, released or all/, 'quarantine', 'list', '--status', 'gone');
    await bad(/category must be spam, virus or newsletter/, 'quarantine', 'list', '--category', 'ham');
    await bad(/--page takes a whole number/, 'quarantine', 'list', '--page', 'x1');

    assert.match(await ok('quarantine', 'config'), /retention 14 days; messages over 10240 KB/);
    assert.match(await ok('quarantine', 'config', '--retention-days', '10', '--max-size-kb', '512'), /retention 10 days; messages over 512 KB/);
    await bad(/retention days must be a whole number above 0/, 'quarantine', 'config', '--retention-days', '0');

    // purge: the configured retention (10 days) removes "ancient", --days removes more
    assert.match(await ok('purge'), /^purged 1 quarantined row\(s\) and 1 stored message\(s\).*\nforgot \d+ rare Bayes token\(s\) not learned since /);
    assert.equal(JSON.parse(await ok('quarantine', 'list', '--json')).total, 17, 'the 17 offers (one released) remain');
    const p = JSON.parse(await ok('purge', '--days', '1', '--json'));
    assert.equal(p.rows, 17);
    assert.equal(p.bayes_tokens, 0, 'nothing learned long ago');
    assert.equal(JSON.parse(await ok('quarantine', 'list', '--json')).total, 0);
    await bad(/--days takes a whole number/, 'purge', '--days', 'soon');
    await bad(/usage: mailhost purge/, 'purge', 'now');
    await bad(/--token-days takes a whole number/, 'purge', '--token-days', 'old');
    await bad(/token age must be a whole number of days, 1 or more/, 'purge', '--token-days', '0');
  });
});
