// Load generator for bench/mta.ts, run as its own node process so that the client's CPU is
// not counted against (or stolen from) the Haraka under test more than the machine forces.
//   node dist/bench/mta-load.js <config.json>   -> one JSON line (LoadResult) on stdout
// `concurrency` connections are kept open like a pooled client (nodemailer's pool: up to
// `perConnection` messages per connection, then QUIT and reconnect); each message is one
// MAIL FROM, one RCPT TO and DATA, with commands sent one at a time (no PIPELINING).
import fs from 'node:fs';
import net from 'node:net';

export interface LoadConfig {
  port: number;
  concurrency: number;
  messages: number;
  recipients: string[]; // message i goes to recipients[i % length]
  from: string;
  size: number; // approximate message size in bytes
  perConnection: number;
  timeoutMs: number;
}

export interface LoadResult {
  ok: number;
  failed: number;
  elapsedMs: number;
  connections: number;
  /** failure samples: "stage code text" -> count */
  failures: Record<string, number>;
  /** RCPT TO round trip (command written -> reply read), ms */
  rcptMs: { p50: number; p99: number };
  /** one whole transaction (MAIL FROM -> reply to the final dot), ms */
  messageMs: { p50: number; p99: number };
  /** CPU used by this load generator process during the run, ms */
  cpuMs: number;
}

interface Reply { code: number; text: string }

/** p in [0, 1] of an unsorted sample (nearest rank). */
export function percentile(values: number[] | Float64Array, p: number): number {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank];
}

class Conn {
  private buf = '';
  private waiter: ((r: Reply | Error) => void) | null = null;
  private pending: (Reply | Error)[] = [];

  constructor(private sock: net.Socket, private timeoutMs: number) {
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      let m: RegExpExecArray | null;
      while ((m = /^((?:\d{3}-[^\n]*\n)*)(\d{3})(?: ([^\n]*))?\r?\n/.exec(this.buf))) {
        this.buf = this.buf.slice(m[0].length);
        this.push({ code: Number(m[2]), text: (m[1] + (m[3] ?? '')).replace(/\r/g, '') });
      }
    });
    sock.on('error', (err) => this.push(err));
    sock.on('close', () => this.push(new Error('connection closed')));
  }

  private push(r: Reply | Error): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(r);
    } else this.pending.push(r);
  }

  static open(port: number, timeoutMs: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.removeListener('error', reject);
        resolve(new Conn(sock, timeoutMs));
      });
    });
  }

  read(): Promise<Reply> {
    const r = this.pending.shift();
    if (r) return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error('reply timeout'));
      }, this.timeoutMs);
      this.waiter = (x) => {
        clearTimeout(timer);
        if (x instanceof Error) reject(x);
        else resolve(x);
      };
    });
  }

  send(data: string | Buffer): Promise<Reply> {
    this.sock.write(data);
    return this.read();
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A plain-text message of about `size` bytes; body lines never start with a dot. */
export function buildMessage(from: string, to: string, size: number, n: number): Buffer {
  const head = [
    `From: Bench Sender <${from}>`,
    `To: <${to}>`,
    `Subject: bench message ${n}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <bench.${process.pid}.${n}.${Date.now()}@bench.invalid>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    '',
  ].join('\r\n');
  const line = 'The quick brown fox jumps over the lazy dog while the bench counts messages.\r\n';
  const lines = Math.max(1, Math.ceil((size - head.length) / line.length));
  return Buffer.from(head + line.repeat(lines) + '.\r\n', 'latin1');
}

export async function runLoad(cfg: LoadConfig): Promise<LoadResult> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  let connections = 0;
  const failures: Record<string, number> = {};
  const rcptMs = new Float64Array(cfg.messages);
  const messageMs = new Float64Array(cfg.messages);
  let samples = 0;
  const fail = (what: string) => {
    failed++;
    failures[what] = (failures[what] ?? 0) + 1;
  };
  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

  async function worker(): Promise<void> {
    let conn: Conn | null = null;
    let sent = 0;
    while (next < cfg.messages) {
      const i = next++;
      try {
        if (!conn) {
          conn = await Conn.open(cfg.port, cfg.timeoutMs);
          connections++;
          const banner = await conn.read();
          if (banner.code !== 220) throw new Error(`banner ${banner.code} ${banner.text}`);
          const ehlo = await conn.send('EHLO bench.invalid\r\n');
          if (ehlo.code !== 250) throw new Error(`EHLO ${ehlo.code} ${ehlo.text}`);
          sent = 0;
        }
        const to = cfg.recipients[i % cfg.recipients.length];
        const t0 = process.hrtime.bigint();
        const mail = await conn.send(`MAIL FROM:<${cfg.from}>\r\n`);
        if (mail.code !== 250) {
          fail(`MAIL ${mail.code} ${mail.text}`);
          await conn.send('RSET\r\n');
          continue;
        }
        const t1 = process.hrtime.bigint();
        const rcpt = await conn.send(`RCPT TO:<${to}>\r\n`);
        const rcptTime = ms(t1);
        if (rcpt.code !== 250) {
          fail(`RCPT ${rcpt.code} ${rcpt.text}`);
          await conn.send('RSET\r\n');
          continue;
        }
        const go = await conn.send('DATA\r\n');
        if (go.code !== 354) {
          fail(`DATA ${go.code} ${go.text}`);
          await conn.send('RSET\r\n');
          continue;
        }
        const done = await conn.send(buildMessage(cfg.from, to, cfg.size, i));
        if (done.code !== 250) {
          fail(`DOT ${done.code} ${done.text}`);
          continue;
        }
        ok++;
        rcptMs[samples] = rcptTime;
        messageMs[samples] = ms(t0);
        samples++;
        if (++sent >= cfg.perConnection) {
          await conn.send('QUIT\r\n').catch(() => undefined);
          conn.close();
          conn = null;
        }
      } catch (err) {
        fail(`IO ${(err as Error).message}`);
        conn?.close();
        conn = null;
      }
    }
    if (conn) {
      await conn.send('QUIT\r\n').catch(() => undefined);
      conn.close();
    }
  }

  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  const elapsedMs = ms(t0);
  const cpu = process.cpuUsage(cpu0);
  const r = rcptMs.subarray(0, samples);
  const m = messageMs.subarray(0, samples);
  return {
    ok,
    failed,
    elapsedMs,
    connections,
    failures,
    rcptMs: { p50: percentile(r, 0.5), p99: percentile(r, 0.99) },
    messageMs: { p50: percentile(m, 0.5), p99: percentile(m, 0.99) },
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

if (require.main === module) {
  const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as LoadConfig;
  runLoad(cfg).then(
    (res) => {
      process.stdout.write(`${JSON.stringify(res)}\n`);
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
