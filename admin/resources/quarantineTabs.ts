// Quarantine settings shown as a tab of other forms: a mailbox's digest (its frequency, or its
// domain's default, and another address for the report) and a domain's defaults (digest
// frequency, release requests instead of releases).
import { DIGEST_FREQUENCIES, setDigestPreferences, setDomainQuarantineOptions } from '../../lib/quarantine';
import type { FieldDef, TabDef } from '../engine/types';
import { i18nOptions, tableExists } from './common';

const hasDigests = tableExists('digest_sent');

export const mailboxDigestFields: FieldDef[] = [
  { name: 'digest_frequency', type: 'select', label: 'field.digest_frequency', help: 'help.digest_frequency', options: i18nOptions(DIGEST_FREQUENCIES, 'digest.freq_'), emptyLabel: 'digest.freq_domain', available: hasDigests },
  { name: 'digest_to', type: 'text', label: 'field.digest_to', help: 'help.digest_to', maxLength: 320, available: hasDigests },
];

/** The "Quarantine" tab of a form: these fields, read from the row, saved through lib. */
function quarantineTab(fields: FieldDef[], load: NonNullable<TabDef['load']>, save: NonNullable<TabDef['save']>): TabDef {
  return { name: 'quarantine', label: 'tab.quarantine', fields: fields.map((f) => f.name), available: hasDigests, load, save };
}

export const mailboxDigestTab = quarantineTab(
  mailboxDigestFields,
  async (_ctx, row) => ({ digest_frequency: row.digest_frequency ?? '', digest_to: row.digest_to ?? '' }),
  async ({ db }, row, v) => {
    const frequency = v.nullable('digest_frequency');
    const to = v.text('digest_to');
    await setDigestPreferences(db, Number(row.id), { frequency: frequency === undefined ? undefined : (frequency as never), to: to === undefined ? undefined : to || null });
  },
);

export const domainQuarantineFields: FieldDef[] = [
  { name: 'digest_default', type: 'select', label: 'field.digest_default', help: 'help.digest_default', required: true, options: i18nOptions(DIGEST_FREQUENCIES, 'digest.freq_'), default: 'daily', available: hasDigests },
  { name: 'release_requests', type: 'checkbox', label: 'field.release_requests', help: 'help.release_requests', available: hasDigests },
];

export const domainQuarantineTab = quarantineTab(
  domainQuarantineFields,
  async (_ctx, row) => ({ digest_default: row.digest_default ?? 'daily', release_requests: !!row.release_requests }),
  async ({ db }, row, v) => {
    await setDomainQuarantineOptions(db, Number(row.id), { digestDefault: v.oneOf('digest_default', DIGEST_FREQUENCIES), releaseRequests: v.checkbox('release_requests') });
  },
);
