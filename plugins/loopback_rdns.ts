// mailhost.loopback_rdns - answers the reverse-DNS lookup Haraka makes on every connection
// for loopback clients, so local tests and benchmarks do not wait on DNS.
import net from 'node:net';
import { constants } from './common';

export function isLoopback(ip: string): boolean {
  const v4 = ip.replace(/^::ffff:/, '');
  return (net.isIPv4(v4) && v4.startsWith('127.')) || ip === '::1';
}

export function hook_lookup_rdns(this: Haraka.Plugin, next: Haraka.Next, connection: Haraka.Connection): void {
  if (isLoopback(connection.remote.ip)) return next(constants.ok, 'localhost');
  next();
}
