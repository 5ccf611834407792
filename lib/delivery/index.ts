// Delivery: Maildir writes (or Dovecot's LMTP), the per-target delivery plan of a message, SRS, and the notes
// contract our plugins share on a transaction.
export * from './deliver';
export { LmtpError } from './lmtp';
export { LmtpDeliveryError } from './lmtpDeliver';
export * from './maildir';
export * from './maildirsize';
export * from './quota';
export * from './notes';
export * from './srs';
export * from './staleTmp';
export * from './quotaWarning';
export * from './quotaNotice';
