// Help desk: tickets a mailbox owner (or a client) opens, the thread both sides write, who may
// reach which ticket, and the mail notice each step sends to the other side.
export * from './tickets';
export { recipientsOf, otherSide, type Recipient } from './sides';
export { notifyOtherSide, composeNotice, type HelpdeskMailer, type NoticeOutcome } from './notice';
export { NOTICE_TEXT, noticeLanguage } from './text';
