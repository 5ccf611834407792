// A tiny IMAP client for tests: one command at a time, untagged lines and literals ({n} bytes,
// kept byte for byte) collected until the tagged answer.
import net from 'node:net';

export interface ImapAnswer {
  /** OK, NO or BAD */
  status: string;
  /** the text after the status */
  text: string;
  /** untagged lines, literals replaced by {n} */
  lines: string[];
  /** every literal of the answer, in order */
  literals: Buffer[];
}

export class ImapClient {
  private buf = Buffer.alloc(0);
  private waiting?: () => void;
  private closed = false;
  private tagN = 0;

  private constructor(private socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<ImapClient> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new ImapClient(socket);
    const greeting = await c.line();
    if (!greeting.startsWith('* OK')) throw new Error(`IMAP greeting: ${greeting}`);
    return c;
  }

  private async need(n: number): Promise<void> {
    while (this.buf.length < n) {
      if (this.closed) throw new Error('IMAP connection closed');
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  private async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.buf.subarray(0, i).toString('utf8');
        this.buf = this.buf.subarray(i + 2);
        return l;
      }
      await this.need(this.buf.length + 1);
    }
  }

  private async bytes(n: number): Promise<Buffer> {
    await this.need(n);
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(b);
  }

  /** Sends `command` with a fresh tag; resolves with the whole answer (any status). */
  async command(command: string): Promise<ImapAnswer> {
    const tag = `t${++this.tagN}`;
    this.socket.write(`${tag} ${command}\r\n`);
    const lines: string[] = [];
    const literals: Buffer[] = [];
    let current = '';
    for (;;) {
      const l = await this.line();
      const lit = /\{(\d+)\}$/.exec(l);
      if (lit) {
        literals.push(await this.bytes(Number(lit[1])));
        current += l;
        continue;
      }
      current += l;
      if (current.startsWith(`${tag} `)) {
        const [, status, text] = /^\S+ (\S+) ?(.*)$/.exec(current)!;
        return { status, text, lines, literals };
      }
      lines.push(current);
      current = '';
    }
  }

  /** command() that must answer OK. */
  async ok(command: string): Promise<ImapAnswer> {
    const a = await this.command(command);
    if (a.status !== 'OK') throw new Error(`IMAP ${command.split(' ')[0]}: ${a.status} ${a.text}`);
    return a;
  }

  async logout(): Promise<void> {
    if (!this.closed) await this.command('LOGOUT').catch(() => undefined);
    this.socket.destroy();
  }
}

/** IMAP quoted string. */
export const quoted = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
