// The current-password rule of lib/accounts/passwordChange: who must give the current
// password to change one, checked against a real hash.
import assert from 'node:assert/strict';
import { hashPassword, MailhostError } from '../../../lib/core';
import { checkCurrentPassword, type Principal } from '../../../lib/accounts';

const CURRENT = 'Current-pass-42';
const who = (role: Principal['role'], id: number): Principal => ({ role, id, username: `${role}${id}`, name: '', language: null });

async function refusal(p: Promise<void>): Promise<MailhostError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof MailhostError, 'refused with a MailhostError');
  return err;
}

describe('lib/accounts checkCurrentPassword', () => {
  let hash: string;
  before(async () => {
    hash = await hashPassword(CURRENT);
  });

  it('a client changing its own account password must give the right current one', async () => {
    const own = { kind: 'account' as const, id: 7, passwordHash: hash };
    await checkCurrentPassword(who('client', 7), own, CURRENT);
    for (const current of [undefined, '', 'Wrong-pass-42']) {
      const e = await refusal(checkCurrentPassword(who('client', 7), own, current));
      assert.equal(e.code, 'invalid');
      assert.equal(e.field, 'current_password');
      assert.match(e.message, /current password is wrong/);
    }
  });

  it('a mailbox owner changing its own mailbox password must give the right current one', async () => {
    const own = { kind: 'mailbox' as const, id: 3, passwordHash: hash };
    await checkCurrentPassword(who('user', 3), own, CURRENT);
    assert.equal((await refusal(checkCurrentPassword(who('user', 3), own, 'Wrong-pass-42'))).field, 'current_password');
  });

  it('resetting someone else: a client for a mailbox of its domains, an admin for anyone (itself too), without it', async () => {
    await checkCurrentPassword(who('client', 7), { kind: 'mailbox' as const, id: 3, passwordHash: hash }, undefined);
    await checkCurrentPassword(who('admin', 1), { kind: 'account' as const, id: 7, passwordHash: hash }, undefined);
    await checkCurrentPassword(who('admin', 1), { kind: 'account', id: 1, passwordHash: hash }, undefined);
    // account 3 and mailbox 3 are different logins
    await checkCurrentPassword(who('user', 3), { kind: 'account', id: 3, passwordHash: hash }, undefined);
  });
});
