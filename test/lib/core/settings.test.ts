// Settings read from the environment: MAILHOST_DELIVERY (Maildir or Dovecot's LMTP).
import assert from 'node:assert/strict';
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
