// Maintenance: scheduled jobs (quarantine retention, Bayes token ageing, statistics rollup).
export * from './purge';
