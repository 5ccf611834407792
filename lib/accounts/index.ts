// Accounts: admin/client/user accounts, their passwords and the audit log of changes.
export * from './accounts';
export * from './audit';
export * from './passwordChange';
export * from './sessions';
export * from './passwordReset';
