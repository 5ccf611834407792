// The counters kept per day and mailbox (table stats_daily), in the order they are shown.
//   received      copies of a message that reached a mailbox or a forward: inbox + junk + quarantined + forwarded
//   inbox, junk   copies stored in the inbox / the Junk folder
//   quarantined   copies held in the quarantine (and by category: spam, newsletter, virus)
//   refused_rcpt  recipients refused at RCPT (unknown address, blocked sender, ...)
//   refused_data  accepted recipients of a message refused after DATA (spam/virus policy, size limits)
//   forwarded     copies forwarded to an outside address
//   autoreplies   automatic replies sent
//   bytes         size of the received copies
export const COUNTERS = [
  'received',
  'inbox',
  'junk',
  'quarantined',
  'quarantined_spam',
  'quarantined_newsletter',
  'quarantined_virus',
  'refused_rcpt',
  'refused_data',
  'forwarded',
  'autoreplies',
  'bytes',
] as const;

export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

export function emptyCounts(): Counts {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counts;
}

export function addCounts(into: Counts, more: Partial<Counts>): Counts {
  for (const c of COUNTERS) into[c] += more[c] ?? 0;
  return into;
}

/** The UTC day of a time, as stored: YYYY-MM-DD. */
export function statsDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
