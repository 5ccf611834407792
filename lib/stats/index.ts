// Statistics: counters per day and mailbox (received, inbox, junk, quarantined by category,
// refused at RCPT and at DATA, forwarded, autoreplies, bytes), counted in memory by the plugins
// and written in batches; domain and global figures are sums of the mailbox rows. Whole months
// older than MAILHOST_STATS_DAILY_DAYS are rolled up into monthly rows.
export * from './counters';
export { StatsBatcher, type BatcherOptions } from './batcher';
export { writeCounts, type StatsOwner, type PendingCounts } from './write';
export { statsRecorder, stopStats, flushIntervalMs, type StatsRecorder } from './recorder';
export { readDailyStats, topDomains, type StatsScope, type DailyStats, type DomainTotal } from './read';
export { barChartSvg, type Bar } from './chart';
export { rollupStats, describeRollup, statsDailyDays, DEFAULT_DAILY_DAYS, type RollupReport } from './rollup';
