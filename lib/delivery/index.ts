// Delivery: Maildir writes, the per-target delivery plan of a message, SRS, and the notes
// contract our plugins share on a transaction.
export * from './deliver';
export * from './maildir';
export * from './notes';
export * from './srs';
export * from './staleTmp';
