// Accounts: admin/client/user accounts, their passwords, the audit log of changes, what a
// mailbox owner may change (permissions) and a client's plan (limits).
export * from './accounts';
export * from './audit';
export * from './passwordChange';
export * from './sessions';
export * from './passwordReset';
export * from './permissions';
export * from './limits';
