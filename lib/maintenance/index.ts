// Maintenance: scheduled jobs (quarantine retention, Bayes token ageing).
export * from './purge';
