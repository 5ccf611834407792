// Address parsing and normalisation: lower case, IDNA (ASCII) domains, strict local parts.
import { domainToASCII, domainToUnicode } from 'node:url';

export interface Address {
  local: string;
  domain: string; // IDNA ASCII, lower case, no trailing dot
  address: string; // local@domain
}

export class AddressError extends Error {
  constructor(message: string, readonly input: string) {
    super(message);
  }
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// dot-atom (RFC 5322 atext) plus UTF-8 letters for SMTPUTF8 local parts; no '/' so it is a safe path segment
const LOCAL = /^[\p{L}\p{N}!#$%&'*+=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+=?^_`{|}~-]+)*$/u;

/** IDNA ASCII lower-case form of a domain, or null when it is not a valid host name. */
export function normalizeDomain(input: string): string | null {
  const raw = input.trim().replace(/\.$/, '');
  if (!raw || raw.length > 253 || /[\s/@\\]/.test(raw)) return null;
  const ascii = domainToASCII(raw).toLowerCase();
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1])) return null; // an IP is not a mail domain
  return ascii;
}

export function displayDomain(ascii: string): string {
  return domainToUnicode(ascii) || ascii;
}

export function displayAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : `${address.slice(0, at)}@${displayDomain(address.slice(at + 1))}`;
}

export function isValidLocalPart(local: string, maxLength = 64): boolean {
  return local.length > 0 && local.length <= maxLength && LOCAL.test(local);
}

/**
 * `"jean"` is the same mailbox as `jean` (RFC 5321 4.1.2): a quoted local part whose content is
 * a plain dot-atom loses its quotes; any other local part is returned as it is.
 */
export function unquoteLocalPart(local: string): string {
  const m = /^"(.*)"$/.exec(local);
  return m && isValidLocalPart(m[1]) ? m[1] : local;
}

/** Parses `local@domain` (angle brackets tolerated). Throws AddressError with a human reason. */
export function parseAddress(input: string, opts: { maxLocal?: number } = {}): Address {
  const s = String(input ?? '').trim().replace(/^<(.*)>$/, '$1');
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) throw new AddressError('address must look like name@domain', input);
  const local = unquoteLocalPart(s.slice(0, at)).normalize('NFC').toLowerCase();
  if (!isValidLocalPart(local, opts.maxLocal)) throw new AddressError(`invalid local part "${s.slice(0, at)}"`, input);
  const domain = normalizeDomain(s.slice(at + 1));
  if (!domain) throw new AddressError(`invalid domain "${s.slice(at + 1)}"`, input);
  return { local, domain, address: `${local}@${domain}` };
}

export function tryParseAddress(input: string): Address | null {
  try {
    return parseAddress(input);
  } catch {
    return null;
  }
}

/** Splits `user+tag` into base and tag; null when there is no (non-empty) tag. */
export function splitSubaddress(local: string): { base: string; tag: string } | null {
  const plus = local.indexOf('+');
  if (plus <= 0 || plus === local.length - 1) return null;
  return { base: local.slice(0, plus), tag: local.slice(plus + 1) };
}

/** The first mailbox of an address header (From, Reply-To): lower-case address, display name, domain. */
export interface HeaderAddress {
  address: string; // lower case; '' when none could be found
  name: string;
  domain: string;
}

/**
 * Reads `"Name" <a@b>`, `Name <a@b>, Other <c@d>`, `a@b (Name)` or `a@b` leniently (hostile mail
 * is full of broken headers): the first address with an '@', else whatever sits in angle brackets.
 */
export function parseHeaderAddress(value: string | null | undefined): HeaderAddress {
  const v = String(value ?? '').replace(/\r?\n[ \t]+/g, ' ');
  let address = '';
  let name = '';
  const angle = /<([^<>]*@[^<>]*)>/.exec(v) ?? /<([^<>]*)>/.exec(v);
  if (angle) {
    address = angle[1].trim();
    name = v.slice(0, angle.index).trim();
  } else {
    const bare = v
      .replace(/\([^()]*\)/g, ' ')
      .replace(/"[^"]*"/g, ' ')
      .split(/[\s,;]+/)
      .find((w) => w.includes('@'));
    if (bare) {
      address = bare;
      name = v.replace(bare, ' ').replace(/[()]/g, ' ').trim();
    } else name = v.trim();
  }
  name = name.replace(/^"+|"+$/g, '').trim();
  address = address.toLowerCase().replace(/^mailto:/, '');
  const at = address.lastIndexOf('@');
  const domain = at >= 0 ? address.slice(at + 1).replace(/[>\].]+$/, '') : '';
  return { address, name, domain };
}
