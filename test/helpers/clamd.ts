// A loopback stand-in for clamd, for tests that run Haraka's own clamd plugin.
import net from 'node:net';

// the EICAR anti-virus test string, assembled here so this file itself is not "infected"
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');

/**
 * A loopback stand-in for clamd speaking its INSTREAM protocol (what haraka-plugin-clamd sends):
 * answers "FOUND" when the stream holds the EICAR test string, "OK" otherwise.
 */
export async function startFakeClamd(): Promise<{ port: number; scans: number; close(): Promise<void> }> {
  const state = { scans: 0 };
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let data = Buffer.alloc(0);
    let started = false;
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!started) {
        const z = buf.indexOf(0);
        if (z < 0) return;
        started = true; // "zINSTREAM\0"
        buf = buf.subarray(z + 1);
      }
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len === 0) {
          state.scans++;
          sock.end(data.includes(EICAR) ? 'stream: Eicar-Test-Signature FOUND\n' : 'stream: OK\n');
          buf = Buffer.alloc(0);
          return;
        }
        if (buf.length < 4 + len) return;
        data = Buffer.concat([data, buf.subarray(4, 4 + len)]);
        buf = buf.subarray(4 + len);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get scans() {
      return state.scans;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** config/clamd.ini pointing Haraka's clamd plugin at the stand-in, never rejecting by itself. */
export function clamdIni(port: number): string {
  return `[main]\nclamd_socket=127.0.0.1:${port}\ntimeout=10\n[reject]\nvirus=false\nerror=false\n`;
}
