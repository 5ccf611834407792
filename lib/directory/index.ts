// Directory: hosted domains, domain aliases, mailboxes, aliases/forwards/catch-all, the SQL
// directory the MTA reads, and recipient resolution over it.
export * from './aliases';
export * from './domains';
export * from './mailboxes';
export * from './resolve';
export * from './sqlDirectory';
export * from './cachedDirectory';
export * from './usage';
export * from './usageWrites';
