// Quarantine: held messages stored once, compressed, shared by their recipients; release, report, purge.
export * from './store';
