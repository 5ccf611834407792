// The small part of Haraka's plugin API we use (Haraka ships no typings).
declare namespace Haraka {
  type Next = (code?: number, msg?: unknown) => void;

  interface Address {
    user: string | null;
    host: string | null;
    original: string;
    readonly address: string; // user@host as given
    isNull(): boolean;
  }

  interface Results {
    add(plugin: unknown, obj: Record<string, unknown>): void;
    get(name: string): Record<string, unknown> | undefined;
  }

  interface Header {
    get(name: string): string;
    get_all(name: string): string[];
    get_decoded(name: string): string;
  }

  interface MessageStream {
    get_data(options: Record<string, unknown>, cb: (data: Buffer) => void): void;
  }

  interface Transaction {
    uuid: string;
    mail_from: Address;
    rcpt_to: Address[];
    notes: Record<string, any>;
    results: Results;
    header: Header;
    message_stream: MessageStream;
    data_bytes: number;
    add_header(name: string, value: string): void;
    add_leading_header(name: string, value: string): void;
    remove_header(name: string): void;
  }

  interface Connection {
    uuid: string;
    relaying: boolean;
    remote: { ip: string; host?: string; is_private?: boolean; is_local?: boolean };
    local: { ip?: string; port?: number };
    tls: { enabled: boolean };
    capabilities: string[];
    transaction: Transaction | null;
    notes: Record<string, any>;
    results: Results;
    loginfo(...args: unknown[]): void;
    logerror(...args: unknown[]): void;
  }

  interface Config {
    get(name: string, type?: unknown, cb?: () => void): any;
    get(name: string, opts: Record<string, unknown>, cb?: () => void): any;
  }

  interface Plugin {
    name: string;
    config: Config;
    timeout?: number;
    register_hook(hook: string, method: string, priority?: number): void;
    haraka_require(name: string): any;
    loginfo(...args: unknown[]): void;
    lognotice(...args: unknown[]): void;
    logwarn(...args: unknown[]): void;
    logerror(...args: unknown[]): void;
    logdebug(...args: unknown[]): void;
    [key: string]: any;
  }
}

declare module 'haraka-constants' {
  const constants: {
    cont: number; stop: number; deny: number; denysoft: number; denydisconnect: number;
    denysoftdisconnect: number; disconnect: number; ok: number; next_hook: number; delay: number;
    [key: string]: number;
  };
  export = constants;
}

declare module 'haraka-dsn' {
  const DSN: { create(code: number, msg: string, subject?: number, detail?: number): unknown; [key: string]: any };
  export = DSN;
}
