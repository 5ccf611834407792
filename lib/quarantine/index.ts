// Quarantine: held messages stored once, compressed, shared by their recipients; release, report,
// purge; the owner's space: release with acceptance, the review queue, mail it sends, the digest
// with its signed links and its schedule.
export * from './store';
export * from './actions';
export * from './review';
export * from './mailer';
export * from './links';
export * from './digest';
export * from './schedule';
export * from './warn';
export * from './sanitize';
