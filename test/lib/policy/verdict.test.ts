// Per-recipient fates as a table (category x policy x lists x local/external x size), the
// all-reject rule, the SpamAssassin-style headers and the warning text.
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { decideFate, decideFates, everyoneRejects, spamHeaders, addWarning, isSpamHeader, fateCategory, type FateInput, type Category, BUILTIN_DEFAULT_POLICY, type Policy, type ListDecision } from '../../../lib/policy';
import { removeHeaderFields } from '../../../lib/core';

const policy = (p: Partial<Policy> = {}): Policy => ({ ...BUILTIN_DEFAULT_POLICY, ...p });
const none: ListDecision = { decision: null, newsletter: false };
const allow: ListDecision = { decision: 'allow', scope: 'mailbox', pattern: '*@friend.example', matched: 'envelope', newsletter: false };
const block: ListDecision = { decision: 'block', scope: 'domain', pattern: '*@spam.example', matched: 'from', newsletter: false };
const wanted: ListDecision = { decision: null, newsletter: true };
const MAX = 1000;

function input(category: Category, p: Partial<Policy>, extra: Partial<FateInput> = {}): FateInput {
  return { category, policy: policy(p), listing: none, external: false, size: 100, quarantineMaxBytes: MAX, ...extra };
}

describe('per-recipient fate', () => {
  // [name, input, expected action, extra expectations]
  const cases: [string, FateInput, string, { tag?: string; warning?: string; reject?: string; category?: Category }?][] = [
    ['ham goes to the inbox untouched', input('ham', {}), 'inbox', { category: 'ham' }],
    ['spam + tag: inbox with subject tag and warning', input('spam', { action: 'tag', subject_tag: '[SPAM]', warning: 'Careful' }), 'inbox', { tag: '[SPAM]', warning: 'Careful', category: 'spam' }],
    ['spam + tag without a tag text: no tag', input('spam', { action: 'tag', subject_tag: '' }), 'inbox', { tag: undefined }],
    ['spam + junk', input('spam', { action: 'junk' }), 'junk'],
    ['spam + quarantine', input('spam', { action: 'quarantine' }), 'quarantine'],
    ['spam + quarantine, too large: Junk instead', input('spam', { action: 'quarantine' }, { size: MAX + 1 }), 'junk'],
    ['spam + delete', input('spam', { action: 'delete' }), 'drop'],
    ['spam + reject: held in quarantine unless everyone rejects', input('spam', { action: 'reject' }), 'quarantine', { reject: 'spam' }],
    ['external spam + tag is forwarded tagged', input('spam', { action: 'tag' }, { external: true }), 'inbox', { tag: '*****SPAM*****' }],
    ['external spam + junk is not forwarded', input('spam', { action: 'junk' }, { external: true }), 'drop'],
    ['external spam + quarantine is not forwarded', input('spam', { action: 'quarantine' }, { external: true }), 'drop'],
    ['external spam + reject is not forwarded', input('spam', { action: 'reject' }, { external: true }), 'drop', { reject: 'spam' }],
    ['virus + quarantine', input('virus', { virus_action: 'quarantine' }), 'quarantine', { category: 'virus' }],
    ['virus + delete', input('virus', { virus_action: 'delete' }), 'drop'],
    ['virus + reject', input('virus', { virus_action: 'reject' }), 'quarantine', { reject: 'virus' }],
    ['virus too large for quarantine is dropped, never filed in Junk', input('virus', {}, { size: MAX + 1 }), 'drop'],
    ['external virus is never forwarded', input('virus', { action: 'tag' }, { external: true }), 'drop'],
    ['allowed sender skips the spam verdict', input('spam', { action: 'quarantine' }, { listing: allow }), 'inbox', { category: 'ham' }],
    ['allowed sender does not skip the virus verdict', input('virus', { virus_action: 'quarantine' }, { listing: allow }), 'quarantine', { category: 'virus' }],
    ['blocked header From makes ham spam, by the policy', input('ham', { action: 'junk' }, { listing: block }), 'junk', { category: 'spam' }],
    ['newsletter + deliver', input('newsletter', { newsletter_action: 'deliver' }), 'inbox', { category: 'newsletter' }],
    ['newsletter + junk', input('newsletter', { newsletter_action: 'junk' }), 'junk'],
    ['newsletter + quarantine', input('newsletter', { newsletter_action: 'quarantine' }), 'quarantine'],
    ['wanted newsletter (newsletter list) goes through a holding policy', input('newsletter', { newsletter_action: 'quarantine' }, { listing: wanted }), 'inbox'],
    ['newsletter list does not rescue spam', input('spam', { action: 'junk' }, { listing: wanted }), 'junk'],
    ['a held newsletter to an external target is forwarded (it is not spam)', input('newsletter', { newsletter_action: 'quarantine' }, { external: true }), 'inbox'],
  ];
  for (const [name, inp, action, extra] of cases) {
    it(name, () => {
      const d = decideFate(inp);
      assert.equal(d.fate.action, action);
      if (extra && 'tag' in extra) assert.equal(d.fate.subjectTag, extra.tag);
      if (extra?.warning) assert.equal(d.fate.warning, extra.warning);
      assert.equal(d.reject, extra?.reject);
      if (extra?.category) assert.equal(d.category, extra.category);
      assert.equal(fateCategory(d.fate), d.category, `reason "${d.fate.reason}" records the category`);
    });
  }

  it('refuses at DATA only when every recipient rejects', () => {
    const rej = decideFate(input('spam', { action: 'reject' }));
    const tag = decideFate(input('spam', { action: 'tag' }));
    const vir = decideFate(input('virus', { virus_action: 'reject' }));
    assert.equal(everyoneRejects([rej, rej]), 'spam');
    assert.equal(everyoneRejects([rej, tag]), null);
    assert.equal(everyoneRejects([rej, vir]), 'virus');
    assert.equal(everyoneRejects([]), null);
  });

  it('asks for the quarantine size limit only when some copy would be quarantined, and applies it', async () => {
    let asked = 0;
    const limit = async () => (asked++, MAX);
    const strip = (i: FateInput) => {
      const { quarantineMaxBytes: _unused, ...rest } = i;
      return rest;
    };
    const ham = await decideFates([{ key: 'a', input: strip(input('ham', {})) }, { key: 'b', input: strip(input('spam', { action: 'junk' })) }], limit);
    assert.deepEqual(ham.map((x) => `${x.key}=${x.d.fate.action}`), ['a=inbox', 'b=junk']);
    assert.equal(asked, 0);
    const held = await decideFates(
      [
        { key: 'small', input: strip(input('spam', { action: 'quarantine' })) },
        { key: 'big', input: strip(input('spam', { action: 'quarantine' }, { size: MAX + 1 })) },
      ],
      limit,
    );
    assert.deepEqual(held.map((x) => `${x.key}=${x.d.fate.action}`), ['small=quarantine', 'big=junk']);
    assert.equal(asked, 1);
  });
});

describe('spam headers', () => {
  it('writes SpamAssassin-compatible X-Spam-Flag, X-Spam-Score and X-Spam-Status', () => {
    const h = spamHeaders({ score: 7.25, category: 'spam', newsletter: false, reasons: [{ rule: 'BAYES_99', points: 5 }, { rule: 'HTML_ONLY', points: 2.25 }] }, 5);
    assert.deepEqual(h, [
      { name: 'X-Spam-Flag', value: 'YES' },
      { name: 'X-Spam-Score', value: '7.3' },
      { name: 'X-Spam-Status', value: 'Yes, score=7.3 required=5.0 tests=BAYES_99,HTML_ONLY' },
    ]);
    const ham = spamHeaders({ score: -0.5, category: 'ham', newsletter: false, reasons: [] }, 5);
    assert.equal(ham[0].value, 'NO');
    assert.equal(ham[2].value, 'No, score=-0.5 required=5.0 tests=none');
    const virus = spamHeaders({ score: 0, category: 'virus', newsletter: false, reasons: [{ rule: 'VIRUS x', points: 0 }] }, 5);
    assert.equal(virus[0].value, 'YES');
    assert.match(virus[2].value, /tests=VIRUS_x$/);
  });

  it('recognises every X-Spam-* header (case-insensitive) and removes them from a message', () => {
    assert.ok(isSpamHeader('X-Spam-Flag') && isSpamHeader('x-spam-status') && isSpamHeader('X-SPAM-Anything'));
    assert.ok(!isSpamHeader('X-Spammy') && !isSpamHeader('Subject'));
    const msg = Buffer.from('From: a@b.example\r\nX-Spam-Flag: NO\r\nX-Spam-Status: No,\r\n\tscore=-100\r\nSubject: hi\r\n\r\nX-Spam-Flag: body line stays\r\n');
    const out = removeHeaderFields(msg, isSpamHeader).toString();
    assert.equal(out, 'From: a@b.example\r\nSubject: hi\r\n\r\nX-Spam-Flag: body line stays\r\n');
  });
});

describe('warning text', () => {
  it('prepends the warning to a plain-text body', async () => {
    const msg = Buffer.from('From: a@b.example\r\nSubject: hi\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n');
    const out = addWarning(msg, 'Attention : ce message semble être du spam.');
    const parsed = await simpleParser(out);
    assert.match(parsed.text!, /^Attention : ce message semble être du spam\.\s+-+\s+Hello\./);
    assert.equal(parsed.subject, 'hi');
  });

  it('wraps encoded, HTML or multipart bodies without touching them', async () => {
    const html = Buffer.from(
      'From: a@b.example\r\nSubject: promo\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        `${Buffer.from('<p>Caf\u00e9 <b>gratuit</b></p>').toString('base64')}\r\n`,
    );
    const out = addWarning(html, 'Attention : spam probable.');
    const parsed = await simpleParser(out);
    assert.match(parsed.text!, /^Attention : spam probable\./);
    assert.match(parsed.html as string, /Café <b>gratuit<\/b>/);
    assert.equal(parsed.subject, 'promo');
    // the original body bytes are still there, unchanged
    assert.ok(out.includes(html.subarray(html.indexOf('\r\n\r\n') + 4)));

    const multi = Buffer.from(
      'From: a@b.example\r\nSubject: m\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="xx"\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\nplain body\r\n--xx\r\nContent-Type: text/html\r\n\r\n<p>html body</p>\r\n--xx--\r\n',
    );
    const p2 = await simpleParser(addWarning(multi, 'Warning'));
    assert.match(p2.text!, /Warning/);
    assert.match(p2.text!, /plain body/);
  });

  it('leaves the message alone for an empty warning', () => {
    const msg = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    assert.equal(addWarning(msg, '  \n '), msg);
  });
});
