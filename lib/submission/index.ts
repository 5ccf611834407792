// Submission: what a mailbox may send once logged in on the submission port (AUTH against the
// mailbox password, sender ownership, outbound abuse limits and suspension for spam, the
// suspension notice) and the DKIM keys and signatures of outgoing mail.
export * from './auth';
export * from './dkim';
export * from './limits';
export * from './notice';
export * from './sender';
export * from './submit';
export * from './manage';
