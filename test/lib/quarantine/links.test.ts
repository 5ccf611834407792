// Signed digest links: what a token claims is exactly what was signed; any change, another
// secret or the passing of its expiry is refused.
import assert from 'node:assert/strict';
import { signLink, verifyLink, linkFor } from '../../../lib/quarantine';

const SECRET = 'a'.repeat(64);
const claims = { action: 'release' as const, row: 12, mailbox: 3, expiresMs: 2_000_000_000_000 };

describe('quarantine links', () => {
  it('gives back the signed claims', () => {
    const v = verifyLink(SECRET, signLink(SECRET, claims), 1_000);
    assert.deepEqual(v, { ok: true, claims });
  });

  it('refuses a token whose payload was changed (another row, mailbox or action)', () => {
    const token = signLink(SECRET, claims);
    const [, sig] = token.split('.');
    for (const forged of ['release.13.3.2000000000000', 'release.12.4.2000000000000', 'accept_newsletter.12.3.2000000000000', 'release.12.3.2000000000001']) {
      assert.deepEqual(verifyLink(SECRET, `${Buffer.from(forged).toString('base64url')}.${sig}`, 1_000), { ok: false, reason: 'signature' }, forged);
    }
  });

  it('refuses another secret, a cut or altered signature and garbage', () => {
    const token = signLink(SECRET, claims);
    assert.equal(verifyLink('b'.repeat(64), token, 1_000).ok, false);
    assert.deepEqual(verifyLink(SECRET, token.slice(0, -1), 1_000), { ok: false, reason: 'malformed' });
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    assert.equal(verifyLink(SECRET, flipped, 1_000).ok, false);
    assert.deepEqual(verifyLink(SECRET, 'nonsense', 1_000), { ok: false, reason: 'malformed' });
  });

  it('refuses an expired token', () => {
    const now = Date.UTC(2026, 10, 1);
    const token = linkFor(SECRET, 'preview', 1, 1, now, 14);
    assert.equal(verifyLink(SECRET, token, now + 13 * 86_400_000).ok, true);
    assert.deepEqual(verifyLink(SECRET, token, now + 14 * 86_400_000), { ok: false, reason: 'expired' });
  });
});
