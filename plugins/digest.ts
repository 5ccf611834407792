// mailhost.digest - quarantine digests (lib/quarantine digest): the Haraka master runs what is
// due every few minutes; with several nodes on one database, the one holding the SQL lease
// sends, and a period is never reported twice. Reports leave by SMTP to MAILHOST_RELAY when
// set, else through this Haraka's own listener.
import os from 'node:os';
import type { Settings } from '../lib/core';
import { scheduleDigests, smtpSender, linkSecret, publicBaseUrl } from '../lib/quarantine';
import { mayChangeSenders } from '../lib/accounts';
import { pluginSettings, pluginDb } from './common';

export function register(this: Haraka.Plugin): void {
  this.settings = pluginSettings(this);
}

export function hook_init_master(this: Haraka.Plugin, next: Haraka.Next): void {
  try {
    const settings = this.settings as Settings;
    const send = smtpSender(settings);
    const secret = linkSecret(settings.dataDir);
    const baseUrl = publicBaseUrl(settings);
    const ini = (this.config.get('mailhost.ini', 'ini') as { digest?: Record<string, string> } | undefined)?.digest ?? {};
    const seconds = (v: string | undefined, dflt: number) => (Number(v) > 0 ? Number(v) : dflt) * 1000;
    const db = pluginDb(settings);
    const mayAcceptSenders = (id: number) => mayChangeSenders(db, id);
    this.stopDigests = scheduleDigests(
      db,
      `${os.hostname()}:${process.pid}`,
      () => ({ send, secret, baseUrl, mayAcceptSenders }),
      { info: (m) => this.loginfo(m), error: (m) => this.logerror(m) },
      { intervalMs: seconds(ini.interval_seconds, 300), firstDelayMs: seconds(ini.first_delay_seconds, 30) },
    );
    this.loginfo(`digests scheduled every ${seconds(ini.interval_seconds, 300) / 1000} s`);
  } catch (err) {
    this.logerror(`digests not scheduled: ${(err as Error).message}`);
  }
  next();
}

export function shutdown(this: Haraka.Plugin): void {
  (this.stopDigests as (() => void) | undefined)?.();
}
