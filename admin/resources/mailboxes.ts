// Mailboxes (ISPConfig "Email mailbox") with their tabs. A mailbox owner (role user) reaches
// only their own mailbox, through the same declaration: the scope gives them one row and the
// field roles hide what only the ISP or the client may change (quota, active...).
//
// Tabs stored elsewhere are declarations too: the spam filter tab loads and saves through
// lib/policies (a shared policy, the domain's, or the mailbox's own private one); the
// autoresponder, attachments and sender lists tabs are whole child resources
// (admin/resources/mailboxChildren.ts) served under /mailboxes/<id>/...
import { createMailbox, updateMailbox, deleteMailbox } from '../../lib/directory';
import { displayAddress, invalid, forbidden } from '../../lib/core';
import { checkNewMailbox, checkQuotaChange, planTransaction } from '../../lib/accounts';
import { suspendedAmong, liftSuspension } from '../../lib/submission';
import { sendingFields, sendingTab } from './sending';
import { SPAM_ACTIONS, NEWSLETTER_ACTIONS, getPolicy, effectivePolicies, isMailboxPolicy, setMailboxOwnPolicy, setMailboxSharedPolicy } from '../../lib/policy';
import { scopes } from '../engine/scopes';
import type { FormValues, ResourceDef, TabDef } from '../engine/types';
import { mailboxDigestFields, mailboxDigestTab } from './quarantineTabs';
import { mailboxSwitchFields, withSpamSwitches } from './spamSwitches';
import { OWNER, mailboxPermissionFields, mailboxPermissionsTab, ownerAllows } from './permissions';
import { currentPasswordRule, defined, saveSingleSession, singleSessionField, domainOptions, languageOptions, passwordChange, passwordInput, spamPolicyOptions, tableExists, i18nOptions as options } from './common';

const hasSpamPolicies = tableExists('spam_policies');

const SPAM_MODES = ['inherit', 'policy', 'own'] as const;

/** Spam filter of a mailbox: the domain's policy, a shared policy, or its own settings. */
const spamTab: TabDef = {
  name: 'spam',
  label: 'tab.spam',
  permission: OWNER.spam,
  fields: ['spam_mode', 'spam_policy_id', 'own_threshold', 'own_action', 'own_newsletter_action'],
  available: hasSpamPolicies,
  async load({ db }, row) {
    const assigned = row.spam_policy_id == null ? null : await getPolicy(db, Number(row.spam_policy_id)).catch(() => null);
    const [effective] = await effectivePolicies(db, [{ mailboxId: Number(row.id), domainId: Number(row.domain_id) }]);
    const own = !!assigned && isMailboxPolicy(assigned.name);
    return {
      spam_mode: !assigned ? 'inherit' : own ? 'own' : 'policy',
      spam_policy_id: assigned && !own ? String(assigned.id) : '',
      own_threshold: String(effective.policy.threshold),
      own_action: effective.policy.action,
      own_newsletter_action: effective.policy.newsletter_action,
    };
  },
  async save({ db }, row, v) {
    const id = Number(row.id);
    const mode = v.text('spam_mode');
    if (mode === 'own') {
      await setMailboxOwnPolicy(db, id, { threshold: v.text('own_threshold') ?? '', action: v.text('own_action') ?? '', newsletterAction: v.text('own_newsletter_action') ?? '' });
    } else if (mode === 'policy') {
      const policyId = v.id('spam_policy_id');
      if (policyId == null) throw invalid('spam_policy_id', 'choose a policy');
      await setMailboxSharedPolicy(db, id, policyId);
    } else await setMailboxSharedPolicy(db, id, null);
  },
};

/** The fields a mailbox's form maps one to one onto lib's input (undefined: not on the form). */
function mailboxFields(v: FormValues) {
  return { name: v.text('name'), quotaMb: v.number('quota_mb'), active: v.checkbox('active'), redirectTo: v.text('redirect_to'), keepCopy: v.checkbox('keep_copy') };
}

export function mailboxesResource(): ResourceDef {
  return {
    name: 'mailboxes',
    table: 'mailboxes',
    icon: 'mailbox',
    section: 'mail',
    permissions: { admin: ['list', 'create', 'edit', 'delete'], client: ['list', 'create', 'edit', 'delete'], user: ['edit'] },
    scope: scopes.mailboxes,
    // what its owner may change (Permissions tab): the rest is hidden from them and refused
    allows: ownerAllows,
    orderBy: 'mailboxes.sort_key', // as people read addresses (lib/core sortKey)
    fields: [
      { name: 'address', type: 'address', label: 'field.address', help: 'help.mailbox_address', required: true, createOnly: true, options: domainOptions, ref: 'domains', display: (r) => displayAddress(String(r.address)) },
      { name: 'name', type: 'text', label: 'field.label', help: 'help.label', maxLength: 190 },
      { name: 'password', type: 'password', label: 'field.password', help: 'help.password', required: true, permission: OWNER.password },
      { name: 'quota_mb', type: 'number', label: 'field.quota', help: 'help.mailbox_quota', min: 0, max: 10_000_000, suffix: 'unit.mb', roles: ['admin', 'client'] },
      { name: 'active', type: 'checkbox', label: 'field.active', help: 'help.mailbox_active', default: true, roles: ['admin', 'client'] },
      { name: 'language', type: 'select', label: 'field.language', options: languageOptions, emptyLabel: 'field.language_auto' },
      { name: 'recovery_email', type: 'text', label: 'field.recovery_email', help: 'help.recovery_email', maxLength: 320 },
      singleSessionField,
      { name: 'redirect_to', type: 'targets', label: 'field.redirect_to', help: 'help.redirect_to' },
      { name: 'keep_copy', type: 'checkbox', label: 'field.keep_copy', help: 'help.keep_copy' },
      { name: 'current_password', type: 'password', label: 'field.current_password', help: 'help.current_password', roles: ['user'], noGenerate: true, autocomplete: 'current-password', permission: OWNER.password },
      { name: 'spam_mode', type: 'select', label: 'field.spam_mode', help: 'help.spam_mode', required: true, options: options(SPAM_MODES, 'spam_mode.'), available: hasSpamPolicies },
      { name: 'spam_policy_id', type: 'select', label: 'field.shared_policy', help: 'help.mailbox_spam_policy', available: hasSpamPolicies, options: spamPolicyOptions, ref: 'spam_policies' },
      { name: 'own_threshold', type: 'text', label: 'field.own_threshold', help: 'help.own_threshold', maxLength: 8, available: hasSpamPolicies, errorFor: ['threshold'] },
      { name: 'own_action', type: 'select', label: 'field.spam_action', help: 'help.own_action', required: true, options: options(SPAM_ACTIONS, 'spam_action.'), available: hasSpamPolicies, errorFor: ['action'] },
      { name: 'own_newsletter_action', type: 'select', label: 'field.newsletter_action', required: true, options: options(NEWSLETTER_ACTIONS, 'newsletter_action.'), available: hasSpamPolicies, errorFor: ['newsletter_action'] },
      ...mailboxSwitchFields,
      ...mailboxDigestFields,
      ...sendingFields,
      ...mailboxPermissionFields,
    ],
    tabs: [
      { name: 'mailbox', label: 'tab.mailbox', fields: ['address', 'name', 'password', 'current_password', 'quota_mb', 'active', 'language', 'recovery_email', 'single_session'] },
      { name: 'forwarding', label: 'tab.forwarding', fields: ['redirect_to', 'keep_copy'], permission: OWNER.redirect },
      withSpamSwitches(spamTab),
      { ...mailboxDigestTab, permission: OWNER.digest },
      sendingTab('mailbox'),
      { name: 'autoresponder', label: 'tab.autoresponder', fields: [], child: 'autoreplies', permission: OWNER.autoreply },
      { name: 'attachments', label: 'tab.attachments', fields: [], child: 'files', permission: OWNER.autoreply },
      { name: 'sender_lists', label: 'tab.sender_lists', fields: [], child: 'senders', permission: OWNER.senders },
      mailboxPermissionsTab,
    ],
    list: {
      columns: [
        { name: 'address', label: 'field.address', format: 'address' },
        { name: 'name', label: 'field.label' },
        { name: 'used_bytes', label: 'col.used', format: 'usage', usageOf: { limit: 'quota_mb', scale: 1024 * 1024 },
          // fullest first: the share of the quota used (unlimited mailboxes last, by bytes used)
          sort: '0 - CASE WHEN mailboxes.quota_mb > 0 THEN mailboxes.used_bytes * 1.0 / (mailboxes.quota_mb * 1048576) ELSE mailboxes.used_bytes * 1e-15 - 1 END' },
        { name: 'redirect_to', label: 'col.redirect', format: 'list' },
        { name: 'active', label: 'field.active', format: 'bool' },
        { name: 'sending', label: 'col.sending' },
      ],
      search: [
        { name: 'address', column: 'mailboxes.address', type: 'text', foldedColumn: 'mailboxes.sort_key' },
        { name: 'name', column: 'mailboxes.name', type: 'text' },
        { name: 'active', column: 'mailboxes.active', type: 'bool' },
      ],
    },
    /** the sending state (lib/submission): suspended for spam until a date, or ok */
    async decorate(ctx, rows) {
      const suspended = await suspendedAmong(ctx.db, rows.map((r) => Number(r.id)));
      return rows.map((r) => {
        const s = suspended.get(Number(r.id));
        const until = s ? new Date(s.until).toLocaleString(ctx.lang, { timeZone: ctx.timeZone, dateStyle: 'short', timeStyle: 'short' }) : '';
        return { ...r, sending_suspended: !!s, sending: s ? ctx.t('sending.suspended_until', { until }) : ctx.t('sending.ok') };
      });
    },
    actions: [
      {
        name: 'lift_suspension',
        label: 'action.lift_suspension',
        icon: 'send-check',
        when: (r) => !!r.sending_suspended,
        async run({ db, principal }, r) {
          // admins and the domain's client; not the owner who sent the spam
          if (principal.role === 'user') throw forbidden('only the provider can lift a sending suspension');
          await liftSuspension(db, Number(r.id));
        },
      },
    ],
    label: (r) => displayAddress(String(r.address)),
    canDelete: (r) => !['postmaster', 'abuse'].includes(String(r.local_part)),
    // a mailbox owner changes the password only with the current one (rule in lib/accounts)
    onBeforeSave: currentPasswordRule('mailbox'),
    async onInsert(ctx, v) {
      // the client's plan, checked and taken in one transaction (lib/accounts/limits.ts)
      const { mailbox, password } = await planTransaction(ctx.db, async (trx) => {
        await checkNewMailbox(trx, v.address(), v.number('quota_mb'), ctx.principal);
        return createMailbox(trx, { ...mailboxFields(v), address: v.address(), language: v.nullable('language') ?? null, ...passwordInput(v) });
      });
      if (v.text('recovery_email')) await updateMailbox(ctx.db, mailbox.id, { recoveryEmail: v.text('recovery_email') });
      await saveSingleSession(ctx.db, 'mailbox', mailbox.id, v);
      return { id: mailbox.id, notice: password ? ctx.t('flash.generated_password', { password }) : undefined };
    },
    async onUpdate(ctx, row, v) {
      const quota = v.number('quota_mb');
      const { password, notice } = passwordChange(ctx, v);
      await planTransaction(ctx.db, async (trx) => {
        if (quota !== undefined) await checkQuotaChange(trx, Number(row.id), quota, ctx.principal);
        await updateMailbox(trx, Number(row.id), defined({ ...mailboxFields(v), password, language: v.nullable('language'), recoveryEmail: v.text('recovery_email') }));
      });
      await saveSingleSession(ctx.db, 'mailbox', Number(row.id), v);
      return { notice };
    },
    async onDelete({ db }, row) {
      await deleteMailbox(db, String(row.address)); // its private spam policy goes with it
    },
  };
}
