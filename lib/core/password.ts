// Mailbox and account passwords, stored in Dovecot's scheme-prefixed format so Dovecot can
// authenticate IMAP/POP from the same table: {BLF-CRYPT}$2y$<cost>$...
import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';

export const SCHEME = '{BLF-CRYPT}';

export class PasswordPolicyError extends Error {}

export function bcryptCost(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.MAILHOST_BCRYPT_COST || 10);
  return Number.isInteger(n) && n >= 4 && n <= 15 ? n : 10;
}

/** Returns the reason a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (typeof password !== 'string' || password.length < 8) return 'password must be at least 8 characters';
  if (password.length > 128) return 'password must be at most 128 characters';
  if (!/^[\p{L}\p{N}]/u.test(password)) return 'password must start with a letter or a digit';
  if (/[\x00-\x1f\x7f]/.test(password)) return 'password must not contain control characters';
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new PasswordPolicyError(problem);
  const hash = await bcrypt.hash(password, bcryptCost());
  return SCHEME + hash.replace(/^\$2[abx]\$/, '$2y$'); // Dovecot/PHP spelling of the same algorithm
}

export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  if (!stored || typeof password !== 'string') return false;
  const m = /^\{(BLF-CRYPT|BCRYPT)\}(\$2[abxy]\$.+)$/i.exec(stored);
  if (!m) return false; // unknown scheme: never fall back to plain text
  return bcrypt.compare(password, m[2].replace(/^\$2y\$/, '$2b$'));
}

const ALNUM = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const SYMBOLS = '-_.!+=';

/** A strong random password: 16 characters, starts with a letter, mixes cases, digits and a symbol. */
export function generatePassword(length = 16): string {
  for (;;) {
    const chars: string[] = [];
    const all = ALNUM + SYMBOLS;
    chars.push(ALNUM[crypto.randomInt(0, 49)]); // letters only (first 49 of ALNUM)
    for (let i = 1; i < length; i++) chars.push(all[crypto.randomInt(0, all.length)]);
    const pw = chars.join('');
    if (/[a-z]/.test(pw) && /[A-Z]/.test(pw) && /\d/.test(pw) && /[-_.!+=]/.test(pw)) return pw;
  }
}
