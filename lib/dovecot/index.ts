// Dovecot: the configuration that makes Debian's Dovecot serve our Maildirs over IMAP, take
// LMTP deliveries and train our Bayes filter from Junk moves, with the accounts of our tables.
export { dovecotConf, writeDovecotConfig, dataDirOwner, type DovecotOptions } from './config';
export { sqlConf, sqlConnection } from './sql';
export { JUNK_NAME } from './names';
