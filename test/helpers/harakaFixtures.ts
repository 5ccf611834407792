// Thin typed glue over haraka-test-fixtures (which ships no typings) for our plugin tests:
// load a plugin from plugins/mailhost.NAME.js with a given environment, feed a message into a
// fixtures transaction, and read replies as "550 5.1.1".
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fixtures = require('haraka-test-fixtures');

export const constants: { ok: number; deny: number; denysoft: number; cont: number; [k: string]: number } = require('haraka-constants');

export type FixturePlugin = Haraka.Plugin & { hooks: Record<string, string[]>; register(): void };
export type FixtureConnection = Haraka.Connection & {
  transaction: Haraka.Transaction & {
    add_data(line: Buffer): void;
    end_data(cb: () => void): void;
    mail_from: Haraka.Address;
  };
  relaying: boolean;
};
export interface HookResult { rc: number | undefined; msg: unknown }

const ENV_KEYS = ['MAILHOST_DB', 'MAILHOST_DATA', 'MAILHOST_RELAY', 'MAILHOST_POSTMASTER', 'MAILHOST_SRS_SECRET'];

/** Sets MAILHOST_* for the duration of `fn` (plugins read the environment in register()). */
export function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  try {
    for (const k of ENV_KEYS) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
    return fn();
  } finally {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/**
 * `new fixtures.plugin(name)` + register(), under `env`. Errors it logs are collected in `errors`.
 * `configDir`: a Haraka dir whose config/ replaces the repository's (e.g. a test mailhost.ini).
 */
export function loadPlugin(name: string, env: Record<string, string | undefined>, configDir?: string): FixturePlugin & { errors: string[] } {
  return withEnv(env, () => {
    const plugin = fixtures.makePlugin(name, { register: false, configDir }) as FixturePlugin & { errors: string[] };
    plugin.errors = [];
    plugin.logerror = (...args: unknown[]) => void plugin.errors.push(args.map(String).join(' '));
    plugin.register();
    return plugin;
  });
}

export function connection(opts: { mailFrom?: string; relaying?: boolean } = {}): FixtureConnection {
  return fixtures.makeConnection({ mailFrom: opts.mailFrom ?? 'sender@remote.test', relaying: opts.relaying ?? false, silent: true });
}

export function callRcpt(plugin: FixturePlugin, conn: FixtureConnection, rcpt: string | Haraka.Address): Promise<HookResult> {
  return fixtures.callRcpt(plugin, conn, rcpt);
}

export function callHook(plugin: FixturePlugin, method: string, conn: FixtureConnection, ...args: unknown[]): Promise<HookResult> {
  return fixtures.callHook(plugin, method, conn, ...args);
}

/** An Address as Haraka would build it, for inputs the fixtures' own parser refuses. */
export function rawAddress(user: string | null, host: string | null): Haraka.Address {
  const original = `<${host ? `${user}@${host}` : user}>`;
  return { user, host, original, address: original.slice(1, -1), isNull: () => !user && !host };
}

/** Feeds a raw message (CRLF) into the transaction as Haraka's DATA phase does. */
export async function addMessage(conn: FixtureConnection, message: string | Buffer): Promise<void> {
  const txn = conn.transaction as FixtureConnection['transaction'] & { cfg?: { headers?: { max_lines?: number } } };
  // the fixtures read smtp.ini, where [headers] max_lines is unset: without it no header is parsed
  if (txn.cfg?.headers && !txn.cfg.headers.max_lines) txn.cfg.headers.max_lines = 1000;
  // a string is text (UTF-8, newlines made CRLF); a Buffer is taken byte for byte (any charset)
  const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message.replace(/\r?\n/g, '\r\n'), 'utf8');
  for (let start = 0; start < bytes.length; ) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl + 1;
    txn.add_data(bytes.subarray(start, end));
    start = end;
  }
  await new Promise<void>((resolve) => txn.end_data(resolve));
}

/** "550 5.1.1" from a DSN reply object (or the code alone). */
export function reply(msg: unknown): string {
  const m = msg as { code?: number; reply?: string } | undefined;
  if (!m || typeof m !== 'object') return String(msg ?? '');
  return `${m.code} ${m.reply ?? ''}`.trim();
}
