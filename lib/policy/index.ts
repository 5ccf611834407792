// Policy: sender lists (allow/block/newsletter), spam policies and the per-recipient verdict.
export * from './policies';
export * from './senderLists';
export * from './verdict';
export * from './cachedPolicies';
export * from './switches';
