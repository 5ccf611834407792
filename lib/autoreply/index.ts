// Autoresponders (issue 4): storage and validation, activation windows and conditions,
// the suppression rules, the shared per-correspondent memory, and the reply itself.
export * from './store';
export * from './active';
export * from './suppress';
export * from './memory';
export * from './compose';
export * from './original';
export * from './plan';
export { defaultSubject, replyLanguage } from './i18n';
export { parseWhen, windowContains, HOUR } from './time';
export { htmlToText } from './text';
