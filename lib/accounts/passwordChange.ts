// Who may change a password without giving the current one. A client changing its own
// account's password, and a mailbox owner its own mailbox's, must give the current password:
// a stolen session is not enough. An admin resets passwords (a client those of its domains'
// mailboxes) without it.
import { invalid, verifyPassword } from '../core';
import type { Principal } from './accounts';

/** The login whose password changes: an account (admin, client) or a mailbox, with its stored hash. */
export interface PasswordOwner {
  kind: 'account' | 'mailbox';
  id: number;
  passwordHash: string | null | undefined;
}

function isOwnLogin(p: Principal, owner: PasswordOwner): boolean {
  return owner.id === p.id && owner.kind === (p.role === 'user' ? 'mailbox' : 'account');
}

/** Throws invalid('current_password') when `changer` changes its own password without the right current one. */
export async function checkCurrentPassword(changer: Principal, owner: PasswordOwner, current: string | undefined): Promise<void> {
  if (changer.role === 'admin' || !isOwnLogin(changer, owner)) return;
  if (!current || !(await verifyPassword(current, owner.passwordHash))) throw invalid('current_password', 'the current password is wrong');
}
