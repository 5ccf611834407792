// Overview: what a mailbox owner's home page shows, gathered in one place: the services that
// are on, every address that reaches the mailbox, its quota, the last days' statistics, and
// how to set up a mail client (from the configuration).
export * from './mailbox';
export * from './addresses';
export * from './clients';
