// The reply as bytes: parsed back with mailparser to prove headers, encodings and parts.
import assert from 'node:assert/strict';
import { simpleParser, type ParsedMail } from 'mailparser';
import { buildReply, replySubject, replyReferences, headerReader, parseHeaderBlock, htmlToText, type ReplyInput } from '../../../lib/autoreply';

const base: ReplyInput = {
  autoreply: { id: 7, subject: null, reply_to: null, body_text: 'Je suis absente.', body_html: null },
  mailbox: { address: 'zoe@exemple.fr', name: 'Zoé Élan', language: 'fr' },
  to: 'jean@client.example',
  original: { subject: 'Devis', messageId: '<abc.123@client.example>', references: '<root@client.example> <mid@client.example>' },
};

async function build(patch: Partial<ReplyInput> = {}, ar: Partial<ReplyInput['autoreply']> = {}): Promise<{ raw: Buffer; mail: ParsedMail; head: Map<string, string[]> }> {
  const r = await buildReply({ ...base, ...patch, autoreply: { ...base.autoreply, ...ar } });
  assert.equal(r.mailFrom, '');
  const head = r.raw.subarray(0, r.raw.indexOf('\r\n\r\n') + 4);
  return { raw: r.raw, mail: await simpleParser(r.raw), head: parseHeaderBlock(head) };
}

describe('autoreply message (buildReply)', () => {
  it('has the RFC 3834 headers, threading headers and our loop headers', async () => {
    const { mail, head, raw } = await build();
    assert.deepEqual(head.get('auto-submitted'), ['auto-replied']);
    assert.deepEqual(head.get('precedence'), ['bulk']);
    assert.deepEqual(head.get('x-loop'), ['zoe@exemple.fr']);
    assert.deepEqual(head.get('x-mailhost-autoreply'), ['yes']);
    assert.deepEqual(head.get('x-auto-response-suppress'), ['All']);
    assert.equal(mail.inReplyTo, '<abc.123@client.example>');
    assert.deepEqual(mail.references, ['<root@client.example>', '<mid@client.example>', '<abc.123@client.example>']);
    assert.equal(mail.from!.value[0].address, 'zoe@exemple.fr');
    assert.equal(mail.from!.value[0].name, 'Zoé Élan');
    assert.equal((mail.to as { value: { address: string }[] }).value[0].address, 'jean@client.example');
    assert.match(mail.messageId!, /^<autoreply\.7\.[0-9a-f]+@exemple\.fr>$/);
    assert.ok(mail.date instanceof Date);
    assert.ok(!/[^\x00-\x7f]/.test(raw.toString('latin1')), 'the message is 7-bit (MIME-encoded)');
    assert.ok(!/(^|[^\r])\n/.test(raw.toString('latin1')), 'every line ends with CRLF');
  });

  it('keeps French accents intact in subject, name and body', async () => {
    const text = "Bonjour,\n\nJe suis en congé jusqu'au 3 août ; réponse à mon retour.\nÀ bientôt — Zoé\n";
    const { mail } = await build({ original: { subject: 'Été : réunion déléguée' } }, { body_text: text });
    assert.equal(mail.subject, 'Re: Été : réunion déléguée');
    assert.equal(mail.text!.replace(/\r\n/g, '\n').trim(), text.trim());
    assert.equal(mail.from!.value[0].name, 'Zoé Élan');
  });

  it('uses a configured subject with accents', async () => {
    const { mail } = await build({}, { subject: "Absence jusqu'à lundi" });
    assert.equal(mail.subject, "Absence jusqu'à lundi");
  });

  it('HTML reply: multipart/alternative with a text part', async () => {
    const { mail, raw } = await build({}, { body_text: 'Texte brut.', body_html: '<p>Je suis <b>absente</b> jusqu&#39;au 3 ao&ucirc;t.</p>' });
    assert.match(raw.toString('latin1'), /Content-Type: multipart\/alternative/i);
    assert.equal(mail.text!.trim(), 'Texte brut.');
    assert.match(String(mail.html), /<b>absente<\/b>/);
  });

  it('HTML only: the text part is derived from the HTML', async () => {
    const { mail } = await build({}, { body_text: '', body_html: '<p>Absente jusqu&#39;au <b>3 août</b>.</p><p>Merci.</p>' });
    assert.match(mail.text!, /Absente jusqu'au 3 août\./);
    assert.match(mail.text!, /Merci\./);
    assert.ok(mail.html);
  });

  it('attachments from the pool arrive with name, type and bytes', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% fake but binary \x00\x01\x02\xff\n', 'latin1');
    const { mail } = await build({ attachments: [{ filename: 'Plan d’accès.pdf', content_type: 'application/pdf', content: pdf }] });
    assert.equal(mail.attachments.length, 1);
    assert.equal(mail.attachments[0].filename, 'Plan d’accès.pdf');
    assert.equal(mail.attachments[0].contentType, 'application/pdf');
    assert.ok(mail.attachments[0].content.equals(pdf));
    assert.equal(mail.text!.trim(), 'Je suis absente.');
  });

  it('Reply-To of the reply', async () => {
    const { mail } = await build({}, { reply_to: 'assistant@exemple.fr' });
    assert.equal(mail.replyTo!.value[0].address, 'assistant@exemple.fr');
  });

  it('no header injection from any field (CR/LF neutralised at send time)', async () => {
    const evil = 'x\r\nBcc: victim@evil.example\r\nX-Injected: 1';
    const { head, mail } = await build(
      { mailbox: { address: 'zoe@exemple.fr', name: `Zoé${evil}`, language: 'fr' }, original: { subject: `Devis${evil}`, messageId: `<a@b>${evil}`, references: `<r@b>\r\nX-Injected: 2` } },
      { subject: null, reply_to: 'assistant@exemple.fr\r\nX-Injected: 3' },
    );
    assert.equal(head.get('bcc'), undefined);
    assert.equal(head.get('x-injected'), undefined);
    assert.equal(mail.bcc, undefined);
    assert.match(mail.subject!, /^Re: Devisx Bcc: victim@evil\.example X-Injected: 1$/);
    // a configured subject that somehow holds a line break (refused at save time) is neutralised too
    const again = await build({}, { subject: `Absent${evil}` });
    assert.equal(again.head.get('bcc'), undefined);
    assert.equal(again.head.get('x-injected'), undefined);
  });

  it('headerReader accepts the parsed block', () => {
    const h = parseHeaderBlock(Buffer.from('Subject: a\r\n b\r\nX-A: 1\r\nx-a: 2\r\n\r\n'));
    const get = headerReader((n) => h.get(n.toLowerCase()) ?? []);
    assert.deepEqual(get('X-A'), ['1', '2']);
    assert.deepEqual(get('subject'), ['a b']);
  });
});

describe('autoreply subject and references', () => {
  it('subject: configured, else Re: incoming, else the translated default', () => {
    assert.equal(replySubject('Absent', 'Devis', 'fr'), 'Absent');
    assert.equal(replySubject(null, 'Devis', 'fr'), 'Re: Devis');
    assert.equal(replySubject(null, 'RE: Devis', 'fr'), 'RE: Devis');
    assert.equal(replySubject(null, 'Re : Devis', 'en'), 'Re : Devis');
    assert.equal(replySubject(null, '', 'fr'), "Réponse automatique d'absence");
    assert.equal(replySubject(null, undefined, 'fr-FR'), "Réponse automatique d'absence");
    assert.equal(replySubject(null, '   ', 'en'), 'Out of office reply');
    assert.equal(replySubject(null, null, null), 'Out of office reply');
  });

  it('references: bounded, de-duplicated, garbage dropped', () => {
    const many = Array.from({ length: 40 }, (_, i) => `<m${i}@x>`).join(' ');
    const r = replyReferences({ messageId: '<own@x>', references: `${many} <m3@x> junk` });
    assert.equal(r.inReplyTo, '<own@x>');
    assert.equal(r.references.length, 20);
    assert.equal(r.references[0], '<m0@x>');
    assert.equal(r.references[19], '<own@x>');
    assert.deepEqual(replyReferences({ messageId: 'no brackets' }), { inReplyTo: undefined, references: [] });
  });
});

describe('autoreply htmlToText (conditions on incoming HTML, text part of HTML replies)', () => {
  it('keeps the text and the line structure', () => {
    assert.equal(htmlToText('<p>Bonjour&nbsp;Zoé,</p><p>Je suis <b>absente</b>.<br>Retour le 3&#160;août.</p><script>x()</script>'), 'Bonjour Zoé,\n\nJe suis absente.\nRetour le 3 août.');
  });

  it('reads hostile HTML (many "<" without ">") in one pass, keeping what follows', () => {
    const text = htmlToText('<a href="x'.repeat(100_000) + '>devis</a>');
    assert.ok(text.endsWith('devis'), text.slice(-100)); // bounded output, the real text kept
  });
});
