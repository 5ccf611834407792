// mailhost.dkim - signs every message Haraka's outbound queue takes (authenticated submissions,
// forwards with their SRS sender, autoreplies, notices, digests: all pass outbound's
// pre_send_trans_email hook) with the DKIM key of the header From's domain, else of the
// envelope sender's domain (our domain on an SRS forward); keys: lib/submission, `mailhost dkim add`.
// A signing fault is logged and the message goes out unsigned: mail is never held for it.
import { parseHeaderAddress, type Settings } from '../lib/core';
import { signingKey, dkimSignature } from '../lib/submission';
import { pluginSettings, envelopeAddress, messageBuffer } from './common';

export function register(this: Haraka.Plugin): void {
  this.settings = pluginSettings(this);
}

const domainOf = (address: string | null | undefined) => (address && address.includes('@') ? address.slice(address.lastIndexOf('@') + 1) : null);

export function hook_pre_send_trans_email(this: Haraka.Plugin, next: Haraka.Next, connection: { transaction?: Haraka.Transaction }): void {
  const txn = connection?.transaction;
  if (!txn || txn.notes?.dkim_signed) return next();
  const settings = this.settings as Settings;
  const sign = async () => {
    const key = signingKey(settings.dataDir, [domainOf(parseHeaderAddress(txn.header.get('From')).address), domainOf(envelopeAddress(txn.mail_from))]);
    if (!key) return;
    const value = await dkimSignature(key, await messageBuffer(txn));
    txn.add_leading_header('DKIM-Signature', value);
    txn.notes.dkim_signed = true;
    this.loginfo(`${txn.uuid} DKIM-signed for ${key.domain} (selector ${key.selector})`);
  };
  sign().then(
    () => next(),
    (err: Error) => {
      this.logerror(`${txn.uuid} not DKIM-signed: ${err?.stack || err}`);
      next();
    },
  );
}
