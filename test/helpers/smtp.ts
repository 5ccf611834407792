// A plain SMTP client that records every reply, so tests can assert per-recipient codes,
// and a loopback SMTP sink (smtp-server) that records what it received.
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';

export interface Reply { code: number; text: string }

export class SmtpClient {
  private buf = '';
  private waiters: ((r: Reply) => void)[] = [];
  private replies: Reply[] = [];
  private constructor(private sock: net.Socket) {
    sock.on('data', this.onData);
  }

  private onData = (d: Buffer) => {
    this.buf += d.toString('latin1');
    let m: RegExpExecArray | null;
    // a reply ends with a line "NNN text" (space, not dash)
    while ((m = /^((?:\d{3}-[^\n]*\n)*)(\d{3})(?: ([^\n]*))?\r?\n/.exec(this.buf))) {
      const text = (m[1] + (m[3] ?? '')).replace(/\r/g, '');
      this.buf = this.buf.slice(m[0].length);
      const reply = { code: Number(m[2]), text };
      const w = this.waiters.shift();
      if (w) w(reply);
      else this.replies.push(reply);
    }
  };

  /** Implicit TLS (the submission TLS port); any certificate is accepted (ours is self-signed). */
  static async connectTls(port: number): Promise<SmtpClient> {
    const sock = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    await once(sock, 'secureConnect');
    const c = new SmtpClient(sock);
    const banner = await c.read();
    if (banner.code !== 220) throw new Error(`banner ${banner.code} ${banner.text}`);
    return c;
  }

  /** STARTTLS, and on 220 the TLS handshake (any certificate accepted); returns the reply to STARTTLS. */
  async startTls(): Promise<Reply> {
    const r = await this.cmd('STARTTLS');
    if (r.code !== 220) return r;
    this.sock.removeListener('data', this.onData);
    const secure = tls.connect({ socket: this.sock, rejectUnauthorized: false });
    await once(secure, 'secureConnect');
    secure.on('data', this.onData);
    this.sock = secure;
    return r;
  }

  static async connect(port: number): Promise<SmtpClient> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const c = new SmtpClient(sock);
    const banner = await c.read();
    if (banner.code !== 220) throw new Error(`banner ${banner.code} ${banner.text}`);
    return c;
  }

  read(ms = 30000): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SMTP reply timeout')), ms);
      this.waiters.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  async cmd(line: string): Promise<Reply> {
    this.sock.write(`${line}\r\n`);
    return this.read();
  }

  /** Sends the message body (CRLF, dot-stuffed here) and returns the reply to the final dot. */
  async data(message: string | Buffer): Promise<Reply> {
    const go = await this.cmd('DATA');
    if (go.code !== 354) return go;
    const text = Buffer.isBuffer(message) ? message.toString('latin1') : message;
    const body = text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.sock.write(Buffer.from(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1'));
    return this.read();
  }

  async quit(): Promise<void> {
    try {
      await this.cmd('QUIT');
    } catch {
      /* already closed */
    }
    this.sock.destroy();
  }
}

export interface Transcript { mail: Reply; rcpts: Reply[]; data?: Reply }

/** One SMTP transaction: replies for MAIL, each RCPT, and DATA (only when a RCPT was accepted). */
export async function sendMessage(port: number, from: string, to: string[], message: string | Buffer): Promise<Transcript> {
  const c = await SmtpClient.connect(port);
  try {
    await c.cmd('EHLO test.example');
    const mail = await c.cmd(`MAIL FROM:<${from}>`);
    const rcpts: Reply[] = [];
    for (const r of to) rcpts.push(await c.cmd(`RCPT TO:<${r}>`));
    let data: Reply | undefined;
    if (rcpts.some((r) => r.code === 250)) data = await c.data(message);
    return { mail, rcpts, data };
  } finally {
    await c.quit();
  }
}

export function buildMessage(opts: { from?: string; to?: string; subject?: string; body?: string; headers?: Record<string, string> } = {}): string {
  const headers: Record<string, string> = {
    From: opts.from ?? 'sender@remote.example',
    To: opts.to ?? 'someone@example.com',
    Subject: opts.subject ?? 'test message',
    Date: new Date().toUTCString(),
    'Message-ID': `<${Date.now()}.${Math.random().toString(36).slice(2)}@remote.example>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...opts.headers,
  };
  return `${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${opts.body ?? 'Hello.\r\n'}`;
}

export interface SinkMessage { from: string; to: string[]; raw: Buffer }

export interface Sink {
  port: number;
  messages: SinkMessage[];
  waitFor(count: number, ms?: number): Promise<SinkMessage[]>;
  /** The first message received at or after index `since` for envelope recipient `to` (other mail, e.g. a notice, is passed over). */
  waitForRecipient(to: string, since: number, ms?: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

/** A loopback SMTP server standing in for the smarthost (MAILHOST_RELAY). */
export async function startSink(): Promise<Sink> {
  const messages: SinkMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    messages,
    async waitFor(count, ms = 20000) {
      const deadline = Date.now() + ms;
      while (messages.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return messages;
    },
    async waitForRecipient(to, since, ms = 20000) {
      const deadline = Date.now() + ms;
      const find = () => messages.slice(since).find((m) => m.to.some((a) => a.toLowerCase() === to.toLowerCase()));
      while (!find() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const found = find();
      if (!found) throw new Error(`no message for ${to} reached the sink within ${ms} ms (got ${messages.length - since} others)`);
      return found;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
