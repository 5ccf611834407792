// The "Sending" tab of a mailbox and of a domain: its overrides of the outbound limits
// (lib/submission; empty = inherit the domain's, then the configured default). Admins and the
// domain's client change them; a mailbox owner does not see them.
import { parseLimit, sendingLimitOverrides, setSendingLimits } from '../../lib/submission';
import type { FieldDef, TabDef } from '../engine/types';

export const sendingFields: FieldDef[] = [
  { name: 'send_per_hour', type: 'text', label: 'field.send_per_hour', help: 'help.send_limit', maxLength: 9, roles: ['admin', 'client'], errorFor: ['per_hour'] },
  { name: 'send_rcpt_per_day', type: 'text', label: 'field.send_rcpt_per_day', help: 'help.send_limit', maxLength: 9, roles: ['admin', 'client'], errorFor: ['rcpt_per_day'] },
];

export function sendingTab(scope: 'domain' | 'mailbox'): TabDef {
  return {
    name: 'sending',
    label: 'tab.sending',
    fields: sendingFields.map((f) => f.name),
    roles: ['admin', 'client'],
    async load({ db }, row) {
      const o = await sendingLimitOverrides(db, scope, Number(row.id));
      return { send_per_hour: o.perHour ?? '', send_rcpt_per_day: o.rcptPerDay ?? '' };
    },
    async save({ db }, row, v) {
      const perHour = parseLimit(v.text('send_per_hour'), 'per_hour');
      const rcptPerDay = parseLimit(v.text('send_rcpt_per_day'), 'rcpt_per_day');
      await setSendingLimits(db, scope, Number(row.id), { perHour: perHour ?? null, rcptPerDay: rcptPerDay ?? null });
    },
  };
}
