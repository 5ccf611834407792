// Core: the database handle and crash-safe migrations, errors, settings and secrets, address parsing,
// password hashes, the SMTP reply vocabulary and byte-level header edits. Depends on nothing else in lib/.
export * from './address';
export * from './db';
export * from './errors';
export * from './lease';
export * from './migrate';
export * from './password';
export * from './replies';
export * from './rewrite';
export * from './settings';
export * from './generation';
export * from './lru';
export * from './coalesce';
export * from './sortKey';
