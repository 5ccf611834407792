// SMTP decisions: what each hook of the MTA decides, one call and one deadline per hook
// (recipient at RCPT, message after DATA), over directory, policy, spam and quarantine, and the
// size and count limits checked before them.
export * from './recipient';
export * from './message';
export * from './limits';
