// What the queue hook does once the message is accepted: carry out each final target's fate
// exactly once (local Maildir copy, Junk, quarantine, drop, or forward through the outbound
// queue with an SRS sender). Throws on any fault so the hook answers 4xx and the sender retries.
import { type Db, type HostPort, headerLine, tagSubject } from '../core';
import { finalTargets, type MailhostNotes, type FinalTarget, type TargetFate } from './notes';
import { deliverToMaildir, maildirPath, JUNK_FOLDER } from './maildir';
import { countUsage, type DirMailbox } from '../directory';
import { srsForward } from './srs';
import { deliverCopiesByLmtp, type LmtpOutcome } from './lmtpDeliver';

export interface DeliveryContext {
  db: Db;
  dataDir: string;
  srsSecret: string;
  /** hands a message to the outbound queue; resolves once it is on disk there */
  sendExternal(from: string, to: string[], message: Buffer): Promise<void>;
  /** stores quarantined copies durably (spam feature); without it quarantine falls back to Junk */
  storeQuarantine?(targets: FinalTarget[], message: Buffer, notes: MailhostNotes, mailFrom: string): Promise<void>;
  /** adds the policy's warning text to a copy (spam feature) */
  addWarning?(message: Buffer, warning: string): Buffer;
  /** Dovecot's LMTP: local copies go there instead of our own Maildir writes */
  lmtp?: HostPort;
  /** where a failed background write (usage counters) is reported */
  log?: (line: string) => void;
}

export interface DeliveryInput {
  message: Buffer; // the raw message as received (CRLF, not dot-stuffed)
  mailFrom: string; // envelope sender, '' for bounces
  notes: MailhostNotes;
}

export interface DeliveryReport {
  local: { address: string; folder: string; file: string }[];
  quarantined: string[];
  forwarded: string[];
  dropped: string[];
}

/** Mailbox addresses already in the message's Delivered-To headers: delivering again would loop. */
export function loopingTargets(targets: FinalTarget[], deliveredTo: string[]): FinalTarget[] {
  const seen = new Set(deliveredTo.map((a) => a.trim().replace(/^<|>$/g, '').toLowerCase()));
  return targets.filter((t) => (t.target.kind === 'local' ? seen.has(t.target.mailbox.address) : t.rcpts.some((r) => seen.has(r))));
}

function copyFor(ctx: DeliveryContext, message: Buffer, fate: TargetFate): Buffer {
  let out = message;
  if (fate.subjectTag) out = tagSubject(out, fate.subjectTag);
  if (fate.warning && ctx.addWarning) out = ctx.addWarning(out, fate.warning);
  return out;
}

export async function deliverMessage(ctx: DeliveryContext, input: DeliveryInput): Promise<DeliveryReport> {
  const report: DeliveryReport = { local: [], quarantined: [], forwarded: [], dropped: [] };
  const all = finalTargets(input.notes);
  const fateOf = (t: FinalTarget): TargetFate => input.notes.fates[t.key] ?? { action: 'inbox' };
  const toQuarantine: FinalTarget[] = [];
  const external: FinalTarget[] = [];
  // parts: Return-Path (LMTP servers write their own), our trace headers, the message
  const local: { mb: DirMailbox; folder: string | undefined; parts: [Buffer, Buffer, Buffer] }[] = [];

  for (const t of all) {
    const fate = fateOf(t);
    if (fate.action === 'drop') {
      report.dropped.push(t.key);
      continue;
    }
    if (t.target.kind === 'external') {
      external.push(t);
      continue;
    }
    if (fate.action === 'quarantine' && ctx.storeQuarantine) {
      toQuarantine.push(t);
      continue;
    }
    const mb = t.target.mailbox;
    const folder = fate.action === 'junk' || fate.action === 'quarantine' ? JUNK_FOLDER : undefined;
    const tagged = t.target.tag ? mb.address.replace('@', `+${t.target.tag}@`) : mb.address;
    const returnPath = Buffer.from(headerLine('Return-Path', `<${input.mailFrom}>`), 'utf8');
    const trace = Buffer.from(headerLine('Delivered-To', tagged) + headerLine('X-Original-To', t.rcpts[0]), 'utf8');
    local.push({ mb, folder, parts: [returnPath, trace, copyFor(ctx, input.message, fateOf(t))] });
  }

  // usage is counted once a copy is stored, and written behind (lib/directory usageWrites): the
  // delivery never waits for the database, so a fault there cannot cost a retry
  const counted = (c: (typeof local)[number]) => countUsage(ctx.db, c.mb.id, c.parts.reduce((n, p) => n + p.length, 0), ctx.log);
  // Through LMTP, the local copies go first: Dovecot being down is the likeliest fault, and
  // then nothing else is stored. What they delivered is remembered if a later step fails, so
  // the sender's retry does not deliver them twice (lmtpDeliver).
  let viaLmtp: LmtpOutcome | undefined;
  if (ctx.lmtp) {
    // mailbox+Junk: Dovecot's LMTP saves to the folder named by the detail (lmtp_save_to_detail_mailbox)
    const lmtpRcpt = (c: (typeof local)[number]) => (c.folder ? c.mb.address.replace(/@(?=[^@]*$)/, `+${c.folder.replace(/^\./, '')}@`) : c.mb.address);
    const copies = local.map((c) => ({ rcpt: lmtpRcpt(c), message: Buffer.concat(c.parts.slice(1)) }));
    viaLmtp = await deliverCopiesByLmtp(ctx.lmtp, ctx.dataDir, input.message, input.mailFrom, copies);
    for (const c of local) {
      report.local.push({ address: c.mb.address, folder: c.folder ?? 'INBOX', file: `lmtp:${lmtpRcpt(c)}` });
      counted(c);
    }
  }
  try {
    if (toQuarantine.length) {
      await ctx.storeQuarantine!(toQuarantine, input.message, input.notes, input.mailFrom);
      report.quarantined.push(...toQuarantine.map((t) => t.key));
    }
    if (!viaLmtp) {
      for (const c of local) {
        const { file } = await deliverToMaildir(maildirPath(ctx.dataDir, c.mb.address), c.folder, c.parts);
        report.local.push({ address: c.mb.address, folder: c.folder ?? 'INBOX', file });
        counted(c);
      }
    }
    await forwardAll(ctx, input, external, fateOf, report);
  } catch (err) {
    await viaLmtp?.remember();
    throw err;
  }
  await viaLmtp?.finished();
  return report;
}

async function forwardAll(ctx: DeliveryContext, input: DeliveryInput, external: FinalTarget[], fateOf: (t: FinalTarget) => TargetFate, report: DeliveryReport): Promise<void> {
  // One outbound message per forwarding address, so each carries its own Delivered-To
  // (loop detection at the next hop) and SRS domain.
  // Forwards whose fates differ (e.g. a subject tag) travel as separate copies.
  const byRcpt = new Map<string, { rcpt: string; fate: TargetFate; to: string[] }>();
  for (const t of external) {
    if (t.target.kind !== 'external') continue;
    const fate = fateOf(t);
    const key = `${t.rcpts[0]}\0${fate.subjectTag ?? ''}\0${fate.warning ?? ''}`;
    const group = byRcpt.get(key) ?? { rcpt: t.rcpts[0], fate, to: [] };
    group.to.push(t.target.address);
    byRcpt.set(key, group);
  }
  for (const { rcpt, fate, to } of byRcpt.values()) {
    const forwardDomain = rcpt.slice(rcpt.lastIndexOf('@') + 1);
    const from = srsForward(input.mailFrom, forwardDomain, ctx.srsSecret);
    const message = Buffer.concat([Buffer.from(headerLine('Delivered-To', rcpt), 'utf8'), copyFor(ctx, input.message, fate)]);
    await ctx.sendExternal(from, to, message);
    report.forwarded.push(...to);
  }
}
