// Verifies the DKIM signatures of a message with haraka-plugin-dkim's verifier, the key taken
// from our own store (the TXT record `mailhost dkim show` prints) instead of DNS: the verifier's
// TXT lookup is answered from `records` for the time of the check.
import dns from 'node:dns';

interface VerifyResult { result: string; results: { domain: string; selector: string; result: string; error?: string }[] }

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DKIMVerifyStream } = require('haraka-plugin-dkim/lib/dkim') as { DKIMVerifyStream: new (opts: object, cb: (err: Error | null, result: string, results: VerifyResult['results']) => void) => { write(b: Buffer): boolean; end(b?: Buffer): void } };

export async function verifyDkim(raw: Buffer, records: Record<string, string>): Promise<VerifyResult> {
  const promises = dns.promises as unknown as { resolveTxt: (name: string) => Promise<string[][]> };
  const real = promises.resolveTxt;
  promises.resolveTxt = async (name: string) => {
    const value = records[name.toLowerCase()];
    if (value === undefined) throw Object.assign(new Error(`no TXT for ${name}`), { code: dns.NOTFOUND });
    return [value.match(/.{1,255}/g) ?? []];
  };
  // the verifier narrates every step on console.debug
  const debug = console.debug;
  console.debug = () => undefined;
  try {
    return await new Promise<VerifyResult>((resolve, reject) => {
      const v = new DKIMVerifyStream({ timeout: 5 }, (err, result, results) => (err ? reject(err) : resolve({ result, results })));
      v.end(raw);
    });
  } finally {
    promises.resolveTxt = real;
    console.debug = debug;
  }
}
