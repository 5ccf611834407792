// Settings read from the environment: MAILHOST_DELIVERY (Maildir or Dovecot's LMTP), and what
// mail clients are told (host, IMAP/POP3 ports, webmail).
import assert from 'node:assert/strict';
import os from 'node:os';
import { loadSettings, parseDelivery, SettingsError } from '../../../lib/core';

describe('settings: MAILHOST_DELIVERY', () => {
  it('defaults to our own Maildir writes', () => {
    assert.deepEqual(loadSettings({}, '/tmp').delivery, { kind: 'maildir' });
    assert.deepEqual(parseDelivery('maildir'), { kind: 'maildir' });
  });

  it('lmtp://host:port, port 24 when not given', () => {
    assert.deepEqual(loadSettings({ MAILHOST_DELIVERY: 'lmtp://127.0.0.1:2424' }, '/tmp').delivery, { kind: 'lmtp', lmtp: { host: '127.0.0.1', port: 2424 } });
    assert.deepEqual(parseDelivery('lmtp://dovecot.internal'), { kind: 'lmtp', lmtp: { host: 'dovecot.internal', port: 24 } });
    assert.deepEqual(parseDelivery('LMTP://[::1]:24/'), { kind: 'lmtp', lmtp: { host: '::1', port: 24 } });
  });

  it('anything else is refused with a clear message', () => {
    for (const bad of ['smtp://x:25', 'lmtp://', 'lmtp://host:99999', 'dovecot']) {
      assert.throws(() => parseDelivery(bad), (e: Error) => e instanceof SettingsError && /MAILHOST_DELIVERY/.test(e.message), bad);
    }
  });
});

describe('settings: what mail clients and the home page are told', () => {
  it('defaults: this host, IMAP 143 with STARTTLS, no POP3, no webmail', () => {
    const s = loadSettings({});
    assert.equal(s.mailClients.host, os.hostname());
    assert.deepEqual(s.mailClients.imap, [{ port: 143, security: 'starttls' }]);
    assert.deepEqual(s.mailClients.pop3, []);
    assert.equal(s.webmailUrl, undefined);
  });

  it('reads MAILHOST_MAIL_HOST, MAILHOST_IMAP_PORTS, MAILHOST_POP3_PORTS and MAILHOST_WEBMAIL_URL', () => {
    const s = loadSettings({ MAILHOST_MAIL_HOST: 'mail.isp.example', MAILHOST_IMAP_PORTS: '993/SSL, 143/starttls', MAILHOST_POP3_PORTS: '995/ssl', MAILHOST_WEBMAIL_URL: 'https://webmail.isp.example/' });
    assert.equal(s.mailClients.host, 'mail.isp.example');
    assert.deepEqual(s.mailClients.imap, [{ port: 993, security: 'ssl' }, { port: 143, security: 'starttls' }]);
    assert.deepEqual(s.mailClients.pop3, [{ port: 995, security: 'ssl' }]);
    assert.equal(s.webmailUrl, 'https://webmail.isp.example/');
    assert.deepEqual(loadSettings({ MAILHOST_IMAP_PORTS: 'off' }).mailClients.imap, []);
  });

  it('refuses malformed values with a clear message', () => {
    assert.throws(() => loadSettings({ MAILHOST_IMAP_PORTS: '993' }), /MAILHOST_IMAP_PORTS must be a list of port\/security/);
    assert.throws(() => loadSettings({ MAILHOST_POP3_PORTS: '99999/ssl' }), /MAILHOST_POP3_PORTS/);
    assert.throws(() => loadSettings({ MAILHOST_WEBMAIL_URL: 'javascript:alert(1)' }), /MAILHOST_WEBMAIL_URL must be an http/);
  });
});
