// URL and host extraction for rules and Bayes tokens. Hosts are lower-cased, stripped
// of user info and port; numeric hosts (dotted, decimal or hex IPv4, IPv6) are flagged.

const URL_RE = /\b(?:(?:https?|ftp):\/\/|www\d{0,3}\.)[^\s<>"'`{}|\\^[\]()]{1,2048}/gi;

export interface UrlHost {
  host: string;
  ip: boolean;
}

/** Every URL-looking string in plain text (bounded count). */
export function urlsInText(text: string, max = 200): string[] {
  const out: string[] = [];
  URL_RE.lastIndex = 0;
  for (let m = URL_RE.exec(text); m && out.length < max; m = URL_RE.exec(text)) out.push(m[0]);
  return out;
}

function pctDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The host of a URL (absolute, or starting with www.), or undefined for mailto:, relative, etc. */
export function hostOf(url: string): UrlHost | undefined {
  let u = url.trim().replace(/^[\s"'<]+/, '');
  const scheme = /^([a-z][a-z0-9+.-]{0,15}):/i.exec(u);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s !== 'http' && s !== 'https' && s !== 'ftp') return undefined;
    u = u.slice(scheme[0].length).replace(/^[\\/]+/, '');
  } else if (/^\/\//.test(u)) {
    u = u.slice(2);
  } else if (!/^www\d{0,3}\./i.test(u)) {
    return undefined;
  }
  let auth = u.split(/[/?#\\]/, 1)[0];
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  auth = pctDecode(auth);
  let host: string;
  if (auth.startsWith('[')) {
    host = auth.slice(1, auth.indexOf(']') > 0 ? auth.indexOf(']') : undefined).toLowerCase();
    return host ? { host, ip: true } : undefined;
  }
  host = auth.replace(/:\d*$/, '').toLowerCase().replace(/\.+$/, '').replace(/^\.+/, '');
  if (!host || host.length > 253 || /[\s<>"]/.test(host)) return undefined;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return { host, ip: true };
  if (/^(0x[0-9a-f]{1,8}|\d{7,10})$/.test(host)) return { host, ip: true }; // http://3232235777/
  if (/^(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+)){1,3}$/.test(host)) return { host, ip: true }; // octal/hex dotted
  if (!host.includes('.')) return undefined;
  return { host, ip: false };
}

/** The registrable-looking tail of a host: the last two labels, three under common 2-letter SLDs. */
export function baseDomain(host: string): string {
  const labels = host.split('.');
  if (labels.length <= 2) return host;
  const last2 = labels.slice(-2);
  if (last2[1].length === 2 && /^(co|com|net|org|gov|edu|ac|ne|or|go|gob|ltd|plc|sch)$/.test(last2[0])) return labels.slice(-3).join('.');
  return last2.join('.');
}
