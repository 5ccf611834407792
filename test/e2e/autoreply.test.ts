// Autoresponders end to end: real Haraka with our plugins, provisioned through the CLI,
// real SMTP in, replies read from the loopback smarthost (sink). A reply that must not be
// sent is proved absent twice: the plugin logged its decision for that very transaction
// ("0 sent", with the rule that held), and nothing reached the sink for that correspondent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { engines } from '../helpers/db';
import { useMailStack, waitUntil, autoreplyDecision } from '../helpers/e2e';
import { sendMessage, buildMessage, type SinkMessage, type Transcript } from '../helpers/smtp';
import { updateMailbox } from '../../lib/directory';
import { listMemory, findAutoreply } from '../../lib/autoreply';

const PLUGINS = ['mailhost.loopback_rdns', 'mailhost.rcpt', 'mailhost.deliver', 'mailhost.autoreply'];
const PASSWORD = 'secret-pass-1';
const DOMAIN = 'exemple.fr';

let counter = 0;
/** A correspondent nobody else uses, so the per-day memory of other tests never interferes. */
const fresh = (name = 'jean') => `${name}.${++counter}@client.test`;

for (const engine of engines()) {
  describe(`autoreply end to end [${engine}]`, function () {
    this.timeout(60000);
    /** the autoreply's text, HTML and attachment files, in the database's scratch dir */
    const files = () => path.join(stack.t.dir, 'files');
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      async provision({ cli: c }) {
        fs.mkdirSync(files());
        await c('migrate');
        await c('domain', 'add', DOMAIN);
        await c('mailbox', 'add', `zoe@${DOMAIN}`, '--password', PASSWORD, '--name', 'Zoé Élan');
        for (const local of ['paul', 'html', 'cond', 'dotcond', 'later', 'ended', 'away', 'dots', 'race', 'quiet']) await c('mailbox', 'add', `${local}@${DOMAIN}`, '--password', PASSWORD);
        await c('alias', 'add', `contact@${DOMAIN}`, `zoe@${DOMAIN}`);
        await c('alias', 'add', `equipe@${DOMAIN}`, `zoe@${DOMAIN}`, `paul@${DOMAIN}`);
        await c('alias', 'add', `*@${DOMAIN}`, `zoe@${DOMAIN}`);
        await updateMailbox(stack.db, `zoe@${DOMAIN}`, { language: 'fr' });

        const text = path.join(files(), 'absence.txt');
        fs.writeFileSync(text, "Bonjour,\n\nJe suis en congé jusqu'au 3 août ; je répondrai à mon retour.\nÀ bientôt — Zoé\n");
        await c('autoreply', 'set', `zoe@${DOMAIN}`, '--text-file', text, '--start', '2020-01-01');
        const html = path.join(files(), 'absence.html');
        fs.writeFileSync(html, '<html><body><p>Je suis <b>absent</b> jusqu&#39;au 3 ao&ucirc;t.</p></body></html>');
        const pdf = path.join(files(), 'Plan d’accès.pdf');
        fs.writeFileSync(pdf, Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1'));
        await c('autoreply', 'set', `html@${DOMAIN}`, '--text', 'Je suis absent (texte).', '--html-file', html, '--attach', pdf, '--subject', 'Absent : réponse différée', '--reply-to', `accueil@${DOMAIN}`);
        await c('autoreply', 'set', `cond@${DOMAIN}`, '--text', 'Votre commande est bien reçue.', '--condition', 'subject:commande');
        await c('autoreply', 'set', `dotcond@${DOMAIN}`, '--text', 'Référence reçue.', '--condition', 'body:réf .42');
        await c('autoreply', 'set', `later@${DOMAIN}`, '--text', 'Pas encore.', '--start', '2999-01-01');
        await c('autoreply', 'set', `ended@${DOMAIN}`, '--text', 'Fini.', '--start', '2020-01-01', '--end', '2021-01-01');
        await c('autoreply', 'set', `away@${DOMAIN}`, '--text', 'Absent, votre message est transmis.', '--forward-to', 'remplacant@remote.test');
        await c('autoreply', 'set', `dots@${DOMAIN}`, '--text', 'Ligne un\n.\n.point en tête\nfin');
        await c('autoreply', 'set', `race@${DOMAIN}`, '--text', 'Une fois par jour.');
        await c('autoreply', 'set', `quiet@${DOMAIN}`, '--text', 'Désactivé.', '--enabled', 'no');
      },
    });
    /** The plugin's decision on that transaction: replies sent, and the reasons it held any back. */
    async function decision(tr: Transcript): Promise<{ sent: number; reasons: string[] }> {
      const { sent, held } = await autoreplyDecision(stack.haraka, tr);
      return { sent, reasons: held.map((h) => h.reason) };
    }

    const repliesTo = (who: string) => stack.sink.messages.filter((m) => m.to.includes(who));

    async function replyTo(who: string, count = 1): Promise<SinkMessage[]> {
      return waitUntil(() => (repliesTo(who).length >= count ? repliesTo(who) : undefined), 20000, `${count} reply(ies) to ${who}`);
    }

    async function send(from: string, to: string[], opts: Parameters<typeof buildMessage>[0] = {}): Promise<Transcript> {
      return sendMessage(stack.haraka.port, from, to, Buffer.from(buildMessage({ from, to: to[0], ...opts }), 'utf8'));
    }

    it('replies: null sender, From the mailbox with its label, To the sender, RFC 3834 headers, French accents intact', async () => {
      const who = fresh();
      const mid = `<orig.${Date.now()}@client.test>`;
      const before = stack.maildir(`zoe@${DOMAIN}`).length;
      const tr = await send(who, [`zoe@${DOMAIN}`], { subject: '=?UTF-8?Q?R=C3=A9union_d=27=C3=A9t=C3=A9?=', headers: { 'Message-ID': mid, References: '<root@client.test>' } });
      assert.equal((await decision(tr)).sent, 1);
      const [out] = await replyTo(who);
      assert.equal(out.from, '', 'envelope sender <>');
      assert.deepEqual(out.to, [who]);
      const mail = await simpleParser(out.raw);
      assert.equal(mail.from!.value[0].address, `zoe@${DOMAIN}`);
      assert.equal(mail.from!.value[0].name, 'Zoé Élan');
      assert.equal((mail.to as { value: { address: string }[] }).value[0].address, who);
      assert.equal(mail.subject, "Re: Réunion d'été");
      assert.equal(mail.headers.get('auto-submitted'), 'auto-replied');
      assert.equal(mail.headers.get('precedence'), 'bulk');
      assert.equal(mail.headers.get('x-mailhost-autoreply'), 'yes');
      assert.equal(mail.inReplyTo, mid);
      assert.deepEqual(mail.references, ['<root@client.test>', mid]);
      assert.equal(mail.text!.trim(), "Bonjour,\n\nJe suis en congé jusqu'au 3 août ; je répondrai à mon retour.\nÀ bientôt — Zoé");
      assert.equal(stack.maildir(`zoe@${DOMAIN}`).length, before + 1, 'the message itself was delivered');
      const ar = await findAutoreply(stack.db, `zoe@${DOMAIN}`);
      assert.ok((await listMemory(stack.db, ar.id)).some((m) => m.correspondent === who));
    });

    it('the same correspondent again the same day: no second reply', async () => {
      const who = fresh();
      assert.equal((await decision(await send(who, [`zoe@${DOMAIN}`]))).sent, 1);
      const second = await decision(await send(who, [`zoe@${DOMAIN}`], { subject: 'encore' }));
      assert.deepEqual(second, { sent: 0, reasons: ['limit'] });
      await replyTo(who);
      assert.equal(repliesTo(who).length, 1);
    });

    it('one reply per autoresponder whatever the paths: direct + alias + group + catch-all in one message', async () => {
      const who = fresh();
      const tr = await send(who, [`zoe@${DOMAIN}`, `contact@${DOMAIN}`, `equipe@${DOMAIN}`, `nimporte@${DOMAIN}`]);
      assert.equal((await decision(tr)).sent, 1);
      await replyTo(who);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(repliesTo(who).length, 1);
    });

    it('through an alias alone, and through the catch-all alone', async () => {
      for (const rcpt of [`contact@${DOMAIN}`, `faute-de-frappe@${DOMAIN}`]) {
        const who = fresh();
        assert.equal((await decision(await send(who, [rcpt]))).sent, 1, rcpt);
        const [out] = await replyTo(who);
        assert.equal((await simpleParser(out.raw)).from!.value[0].address, `zoe@${DOMAIN}`);
      }
    });

    it('HTML + text reply with the attachment, configured subject and Reply-To', async () => {
      const who = fresh();
      assert.equal((await decision(await send(who, [`html@${DOMAIN}`]))).sent, 1);
      const [out] = await replyTo(who);
      assert.match(out.raw.toString('latin1'), /multipart\/alternative/i);
      const mail = await simpleParser(out.raw);
      assert.equal(mail.subject, 'Absent : réponse différée');
      assert.equal(mail.text!.trim(), 'Je suis absent (texte).');
      assert.match(String(mail.html), /Je suis <b>absent<\/b> jusqu&#39;au 3 ao&ucirc;t\./);
      assert.equal(mail.replyTo!.value[0].address, `accueil@${DOMAIN}`);
      assert.equal(mail.attachments.length, 1);
      assert.equal(mail.attachments[0].filename, 'Plan d’accès.pdf');
      assert.equal(mail.attachments[0].contentType, 'application/pdf');
      assert.ok(mail.attachments[0].content.equals(fs.readFileSync(path.join(files(), 'Plan d’accès.pdf'))));
    });

    it('a safe Reply-To gets the reply; a foreign one does not', async () => {
      const who = fresh();
      const perso = `perso.${counter}@client.test`;
      assert.equal((await decision(await send(who, [`zoe@${DOMAIN}`], { headers: { 'Reply-To': perso } }))).sent, 1);
      await replyTo(perso);
      const who2 = fresh();
      const victim = `victim.${counter}@elsewhere.test`;
      assert.equal((await decision(await send(who2, [`zoe@${DOMAIN}`], { headers: { 'Reply-To': victim } }))).sent, 1);
      await replyTo(who2);
      assert.equal(repliesTo(victim).length, 0);
    });

    it('lines starting with a dot survive the outbound queue', async () => {
      const who = fresh();
      assert.equal((await decision(await send(who, [`dots@${DOMAIN}`]))).sent, 1);
      const [out] = await replyTo(who);
      assert.equal((await simpleParser(out.raw)).text!.replace(/\r\n/g, '\n').trim(), 'Ligne un\n.\n.point en tête\nfin');
    });

    it('condition: subject contains', async () => {
      const who = fresh();
      assert.equal((await decision(await send(who, [`cond@${DOMAIN}`], { subject: 'Bonjour' }))).sent, 0);
      assert.equal((await decision(await send(who, [`cond@${DOMAIN}`], { subject: 'Ma COMMANDE n°12' }))).sent, 1);
      const [out] = await replyTo(who);
      assert.equal((await simpleParser(out.raw)).subject, 'Re: Ma COMMANDE n°12');
    });

    it('condition: body contains, on the decoded body (quoted-printable, SMTP dot-stuffing undone)', async () => {
      const who = fresh();
      const qp = { 'Content-Transfer-Encoding': 'quoted-printable' };
      // "réf" in quoted-printable, then a line that starts with a dot (sent as "..42" on the wire)
      assert.equal((await decision(await send(who, [`dotcond@${DOMAIN}`], { headers: qp, body: 'Bonjour,\r\nr=C3=A9f ..42\r\n' }))).sent, 0);
      assert.equal((await decision(await send(who, [`dotcond@${DOMAIN}`], { headers: qp, body: 'Bonjour,\r\nr=C3=A9f\r\n.42\r\n' }))).sent, 1);
      await replyTo(who);
    });

    it('outside the activation window, or disabled: no reply', async () => {
      for (const box of ['later', 'ended', 'quiet']) {
        const who = fresh();
        assert.deepEqual(await decision(await send(who, [`${box}@${DOMAIN}`])), { sent: 0, reasons: [] }, box);
        assert.equal(stack.maildir(`${box}@${DOMAIN}`).length > 0, true);
        assert.equal(repliesTo(who).length, 0);
      }
    });

    it('forwards incoming mail while away, and replies', async () => {
      const who = fresh();
      const before = stack.sink.messages.filter((m) => m.to.includes('remplacant@remote.test')).length;
      const tr = await send(who, [`away@${DOMAIN}`], { subject: 'Pour le remplaçant' });
      assert.equal((await decision(tr)).sent, 1);
      await replyTo(who);
      const fwd = await waitUntil(() => {
        const got = stack.sink.messages.filter((m) => m.to.includes('remplacant@remote.test'));
        return got.length > before ? got[got.length - 1] : undefined;
      }, 20000, 'the away forward');
      assert.match(fwd.from, /^SRS0=/i, 'forwarded with an SRS sender');
      const mail = await simpleParser(fwd.raw);
      assert.equal(mail.subject, 'Pour le remplaçant');
      assert.equal(stack.maildir(`away@${DOMAIN}`).length, 1, 'and kept in the mailbox');
    });

    // every "never reply" rule of the issue, over SMTP
    const suppressed: { name: string; from?: string; to?: string; headers?: Record<string, string>; reason: string }[] = [
      { name: 'empty envelope sender', from: '', reason: 'null_sender' },
      { name: 'MAILER-DAEMON', from: 'MAILER-DAEMON@mx.client.test', reason: 'mailer_daemon' },
      { name: 'Auto-Submitted: auto-replied', headers: { 'Auto-Submitted': 'auto-replied' }, reason: 'auto_submitted' },
      { name: 'Auto-Submitted: auto-generated', headers: { 'Auto-Submitted': 'auto-generated' }, reason: 'auto_submitted' },
      { name: 'Precedence: bulk', headers: { Precedence: 'bulk' }, reason: 'precedence' },
      { name: 'Precedence: list', headers: { Precedence: 'list' }, reason: 'precedence' },
      { name: 'Precedence: junk', headers: { Precedence: 'junk' }, reason: 'precedence' },
      { name: 'List-Id', headers: { 'List-Id': 'Users <users.lists.client.test>' }, reason: 'list_message' },
      { name: 'List-Post', headers: { 'List-Post': '<mailto:users@lists.client.test>' }, reason: 'list_message' },
      { name: 'List-Unsubscribe', headers: { 'List-Unsubscribe': '<https://client.test/u>' }, reason: 'list_message' },
      { name: 'X-Auto-Response-Suppress: OOF', headers: { 'X-Auto-Response-Suppress': 'OOF' }, reason: 'auto_response_suppress' },
      { name: 'X-Auto-Response-Suppress: AutoReply', headers: { 'X-Auto-Response-Suppress': 'DR, AutoReply' }, reason: 'auto_response_suppress' },
      { name: 'X-Auto-Response-Suppress: All', headers: { 'X-Auto-Response-Suppress': 'All' }, reason: 'auto_response_suppress' },
      { name: 'X-Loop', headers: { 'X-Loop': 'someone@client.test' }, reason: 'loop' },
      { name: 'our own loop header', headers: { 'X-Mailhost-Autoreply': 'yes' }, reason: 'loop' },
      { name: 'noreply sender', from: 'noreply@shop.client.test', reason: 'noreply_sender' },
      { name: 'no-reply sender', from: 'no-reply@shop.client.test', reason: 'noreply_sender' },
      { name: 'do-not-reply sender', from: 'do-not-reply@shop.client.test', reason: 'noreply_sender' },
      { name: 'postmaster sender', from: 'postmaster@client.test', reason: 'noreply_sender' },
      { name: 'mailer-daemon sender (lower case)', from: 'mailer-daemon@client.test', reason: 'mailer_daemon' },
      { name: 'listserv sender', from: 'listserv@lists.client.test', reason: 'noreply_sender' },
      { name: 'majordomo sender', from: 'majordomo@lists.client.test', reason: 'noreply_sender' },
      { name: 'owner-* sender', from: 'owner-users@lists.client.test', reason: 'noreply_sender' },
      { name: '*-request sender', from: 'users-request@lists.client.test', reason: 'noreply_sender' },
      { name: 'bounces* sender', from: 'bounces+1611913-ae4e@mail48.client.test', reason: 'noreply_sender' },
      { name: 'noreply Reply-To', headers: { 'Reply-To': 'noreply@client.test' }, reason: 'noreply_reply_to' },
      { name: 'the mailbox itself', from: `zoe@${DOMAIN}`, reason: 'own_address' },
      { name: 'the alias it arrived through', from: `contact@${DOMAIN}`, to: `contact@${DOMAIN}`, reason: 'own_address' },
      { name: 'an alias of the mailbox, message sent to the mailbox', from: `contact@${DOMAIN}`, reason: 'own_address' },
    ];
    for (const c of suppressed) {
      it(`no reply: ${c.name}`, async () => {
        const who = c.from ?? fresh();
        const before = c.from !== undefined ? repliesTo(c.from).length : 0;
        const tr = await sendMessage(stack.haraka.port, who, [c.to ?? `zoe@${DOMAIN}`], buildMessage({ from: who || 'bounce@client.test', to: `zoe@${DOMAIN}`, headers: c.headers }));
        assert.equal(tr.data?.code, 250);
        assert.deepEqual(await decision(tr), { sent: 0, reasons: [c.reason] });
        if (who) assert.equal(repliesTo(who).length, before);
      });
    }

    it('after all of that, nothing reached the sink for suppressed senders', async () => {
      // a control message that is answered, queued after every suppressed one
      const who = fresh('control');
      assert.equal((await decision(await send(who, [`zoe@${DOMAIN}`]))).sent, 1);
      await replyTo(who);
      for (const c of suppressed) if (c.from) assert.equal(repliesTo(c.from).length, 0, c.name);
      assert.equal(stack.sink.messages.filter((m) => m.to.some((a) => /noreply|no-reply|listserv|majordomo|request|owner-|bounces|daemon/i.test(a))).length, 0);
      // every reply that left had the null sender
      for (const m of stack.sink.messages) if (!m.to.includes('remplacant@remote.test')) assert.equal(m.from, '');
    });
  });

  describe(`autoreply per-day limit across two Haraka workers [${engine}]`, function () {
    this.timeout(90000);
    const stack = useMailStack({
      engine,
      plugins: PLUGINS,
      nodes: 2,
      async provision({ cli }) {
        await cli('migrate');
        await cli('domain', 'add', DOMAIN);
        await cli('mailbox', 'add', `zoe@${DOMAIN}`, '--password', PASSWORD);
        await cli('autoreply', 'set', `zoe@${DOMAIN}`, '--text', 'Absente.', '--max-per-day', '2');
      },
    });

    it('eight concurrent deliveries from one correspondent: exactly max-per-day (2) replies', async () => {
      const who = 'racer@client.test';
      const sent = await Promise.all(
        Array.from({ length: 8 }, (_, i) => sendMessage(stack.haraka.port, who, [`zoe@${DOMAIN}`], buildMessage({ from: who, to: `zoe@${DOMAIN}`, subject: `message ${i}` }))),
      );
      for (const tr of sent) assert.equal(tr.data?.code, 250);
      const decisions = (await Promise.all(sent.map((tr) => autoreplyDecision(stack.haraka, tr)))).map((d) => d.sent);
      assert.equal(decisions.reduce((a, b) => a + b, 0), 2, `replies sent: ${decisions}`);
      await waitUntil(() => (stack.sink.messages.length >= 2 ? true : undefined), 20000, 'two replies');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(stack.sink.messages.filter((m) => m.to.includes(who)).length, 2);
      const pids = new Set([...stack.haraka.log().matchAll(/autoreplies done: .*\(worker (\d+)\)/g)].map((m) => m[1]));
      if (pids.size < 2) console.log(`      (note: the OS gave every connection to one worker: ${[...pids].join(',')})`);
      const ar = await findAutoreply(stack.db, `zoe@${DOMAIN}`);
      assert.equal((await listMemory(stack.db, ar.id))[0].count, 2);
    });
  });
}
