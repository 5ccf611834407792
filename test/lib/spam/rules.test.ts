// lib/spam rules from the data file, newsletter detection, categorize(), and the results of
// other Haraka plugins (spamassassin, rspamd, clamd, spf, dkim) read from a fixtures transaction.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { corpusFiles } from '../../helpers/corpus';
import { parseForScoring, runRules, loadRules, compileRules, scoreMessage, categorize, regexSetsAvailable, type ExternalResults } from '../../../lib/spam';


function raw(headers: Record<string, string>, body: string, extra: string[] = []): Buffer {
  const h = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from([...h, ...extra, '', body].join('\r\n'));
}

const decent = {
  From: 'Jean Martin <jean@example.com>',
  To: 'marie@example.net',
  Subject: 'Lunch on Friday',
  Date: 'Mon, 2 Sep 2024 10:00:00 +0200',
  'Message-ID': '<20240902100000.abc@example.com>',
  'MIME-Version': '1.0',
  'Content-Type': 'text/plain; charset=utf-8',
};

function fired(buf: Buffer): Map<string, number> {
  const r = runRules(parseForScoring(buf), loadRules());
  return new Map(r.hits.map((h) => [h.rule, h.points]));
}

describe('spam rules (lib/spam/rules.json)', () => {
  it('the data file compiles, and every rule has a name and points or a newsletter weight', () => {
    const set = loadRules();
    assert.ok(set.rules.length > 30);
    for (const r of set.rules) assert.ok(r.def.points !== 0 || r.def.newsletter, r.def.name);
    assert.ok(set.bayes.bands.length > 0);
  });

  it('refuses a broken rules file', () => {
    assert.throws(() => compileRules({ version: 1, rules: [{ name: 'X_BAD', where: 'body', points: 1 }] }), /needs a pattern/);
    assert.throws(() => compileRules({ version: 1, rules: [{ name: 'X_BAD', where: 'eval', test: 'nope', points: 1 }] }), /unknown test/);
    assert.throws(() => compileRules({ version: 1, rules: [{ name: 'lower', where: 'missing', header: 'date', points: 1 }] }));
  });

  it('fires nothing on an ordinary personal message', () => {
    assert.deepEqual([...fired(raw(decent, 'Shall we meet at noon?\r\nJean'))], []);
  });

  it('fires header rules with their names and points', () => {
    const { Date: _d, 'Message-ID': _m, ...bare } = decent;
    const hits = fired(raw({ ...bare, Subject: 'MAKE MONEY FAST WITH THIS OFFER!!!', 'Reply-To': 'winner@gmail.com', 'X-Priority': '1 (Highest)' }, 'hello'));
    for (const name of ['MISSING_DATE', 'MISSING_MID', 'SUBJ_ALL_CAPS', 'SUBJ_EXCLAIM', 'REPLYTO_DIFFERS', 'FREEMAIL_REPLYTO', 'X_PRIORITY_HIGH']) assert.ok(hits.has(name), `${name} in ${[...hits.keys()]}`);
    const set = loadRules();
    assert.equal(hits.get('MISSING_DATE'), set.rules.find((r) => r.def.name === 'MISSING_DATE')!.def.points);
  });

  it('fires body and URI rules on decoded text', () => {
    const body = [
      'Dear Friend,',
      'Buy VIAGRA and Cialis now. Click here: http://192.168.10.1/buy and http://bit.ly/abc',
      'This is not spam. To be removed from our mailing list reply with REMOVE.',
    ].join('\r\n');
    const hits = fired(raw({ ...decent, 'Content-Transfer-Encoding': 'base64' }, Buffer.from(body).toString('base64')));
    for (const name of ['BODY_DEAR_FRIEND', 'BODY_PHARMA', 'URI_IP', 'URI_SHORTENER', 'BODY_NOT_SPAM', 'BODY_REMOVE_ME', 'BODY_CLICK_HERE', 'BASE64_TEXT']) assert.ok(hits.has(name), `${name} in ${[...hits.keys()]}`);
  });

  it('fires structure rules: HTML only, forged Outlook, link text mismatch', () => {
    const html = '<html><body><p>Your account</p><a href="http://login.evil.example/">https://www.mybank.example/login</a></body></html>';
    const hits = fired(raw({ ...decent, 'Content-Type': 'text/html', 'X-Mailer': 'Microsoft Outlook, Build 10.0.2627', 'Message-ID': '<abc@example.com>' }, html));
    for (const name of ['HTML_ONLY', 'FORGED_OUTLOOK', 'OUTLOOK_HTML_ONLY', 'URI_LINK_MISMATCH']) assert.ok(hits.has(name), `${name} in ${[...hits.keys()]}`);
    // a real Outlook Message-ID is not forged
    assert.ok(!fired(raw({ ...decent, 'X-Mailer': 'Microsoft Outlook 16.0', 'Message-ID': '<000801c2a1b2$3c4d5e60$0a00a8c0@pc>' }, 'hi')).has('FORGED_OUTLOOK'));
  });

  it('detects newsletters, and not discussion lists or replies', () => {
    const nl = (extra: string[]) => runRules(parseForScoring(raw(decent, 'news', extra)), loadRules()).newsletter;
    assert.equal(nl(['List-Unsubscribe: <https://news.example.com/u?x=1>', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click']), true);
    assert.equal(nl(['List-Unsubscribe: <mailto:u@example.com>', 'Precedence: bulk']), true);
    assert.equal(nl(['X-Mailer: MailChimp Mailer - **CID12345**']), true);
    assert.equal(nl(['Feedback-ID: 1:campaign:esp', 'List-Unsubscribe: <mailto:u@example.com>']), true);
    assert.equal(nl(['X-SG-EID: abc']), true);
    assert.equal(nl(['List-Unsubscribe: <mailto:u@example.com>']), false, 'one hint is not enough');
    assert.equal(nl(['List-Id: <dev.lists.example.org>', 'List-Post: <mailto:dev@lists.example.org>', 'List-Unsubscribe: <mailto:u@example.com>', 'Precedence: list']), false);
    assert.equal(nl(['In-Reply-To: <1@example.com>', 'List-Unsubscribe: <mailto:u@example.com>', 'Precedence: bulk']), false);
  });

  it('categorize: virus > spam (threshold) > newsletter > ham', () => {
    assert.equal(categorize(0, false, false), 'ham');
    assert.equal(categorize(5, false, false), 'spam');
    assert.equal(categorize(4.9, true, false), 'newsletter');
    assert.equal(categorize(9, true, false), 'spam');
    assert.equal(categorize(-3, false, true), 'virus');
    assert.equal(categorize(6, false, false, 8), 'ham', 'per-recipient threshold');
    assert.equal(categorize(3, false, false, 2.5), 'spam');
  });
});

describe('spam: results of other Haraka plugins', () => {
  it('merges them into the score as documented', async () => {
    const m = raw(decent, 'See you at noon.');
    const base = await scoreMessage(null, m);
    assert.equal(base.category, 'ham');
    const ext: ExternalResults = { spamassassin: { score: 8, tests: ['X'] }, spf: { result: 'fail', domain: 'example.com' }, dkimPass: ['example.com'] };
    const v = await scoreMessage(null, m, { external: ext });
    const set = loadRules();
    const sa = v.reasons.find((r) => r.rule === 'EXT_SPAMASSASSIN')!;
    assert.equal(sa.points, 8 * set.external.spamassassin!.weight);
    assert.ok(v.reasons.some((r) => r.rule === 'SPF_FAIL' && r.points === set.external.spf!.fail));
    assert.ok(v.reasons.some((r) => r.rule === 'DKIM_VALID_FROM' && r.points < 0));
    assert.equal(v.score, Math.round(v.reasons.reduce((s, r) => s + r.points, 0) * 100) / 100);
    const virus = await scoreMessage(null, m, { external: { virus: { infected: true, names: ['Eicar'] } } });
    assert.equal(virus.category, 'virus');
    assert.deepEqual(virus.viruses, ['Eicar']);
    assert.ok(virus.reasons.some((r) => r.rule === 'CLAMD_VIRUS' && r.detail === 'Eicar'));
    const huge = await scoreMessage(null, m, { external: { rspamd: { score: 1000 } } });
    assert.equal(huge.reasons.find((r) => r.rule === 'EXT_RSPAMD')!.points, set.external.rspamd!.max, 'clamped');
  });

  it('a newsletter below the threshold is categorised newsletter', async () => {
    const v = await scoreMessage(null, raw(decent, 'Our news', ['List-Unsubscribe: <https://news.example.com/u>', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click']));
    assert.equal(v.newsletter, true);
    assert.equal(v.category, 'newsletter');
    assert.ok(v.reasons.some((r) => r.rule === 'NEWSLETTER' && r.points === 0));
  });
});

describe('data-file rules: the body rules prefiltered in one pass', () => {
  it('give the same hits as running every body regex, on real mail', function () {
    this.timeout(60_000);
    const set = loadRules();
    const every = { ...set, rules: set.rules.map((r) => ({ ...r, setId: null })) };
    if (regexSetsAvailable()) assert.ok(set.rules.filter((r) => r.setId != null).length >= 10);
    let hits = 0;
    let messages = 0;
    for (const file of corpusFiles(['easy-ham-1', 'hard-ham-1', 'spam-1', 'spam-2'], 10)) {
      const msg = parseForScoring(fs.readFileSync(file));
      const fast = runRules(msg, set);
      assert.deepEqual(fast, runRules(msg, every), path.basename(file));
      hits += fast.hits.length;
      messages++;
    }
    assert.ok(messages > 200 && hits > 100, `${messages} messages, ${hits} hits`);
  });
});
