// The IMAP name of the Junk folder: lib/delivery stores junk in the Maildir++ folder ".Junk",
// which Dovecot's Maildir++ layout shows as "Junk".
import { JUNK_FOLDER } from '../delivery';

export const JUNK_NAME = JUNK_FOLDER.replace(/^\./, '');
