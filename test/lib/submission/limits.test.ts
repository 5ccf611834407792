// Outbound limits in SQL: overrides (mailbox over domain over defaults), counters per hour with
// an upsert, the rolling 24 hours, and suspension set, expired and lifted.
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/db';
import { createDomain, createMailbox } from '../../../lib/directory';
import { sendingLimits, setSendingLimits, recordSending, sendingUsage, messageLimitReply, recipientLimitReply, suspendSending, sendingSuspension, liftSuspension, setLimitsFor, parseLimit, hourOf } from '../../../lib/submission';

const DEFAULTS = { perHour: 100, rcptPerDay: 500, spamScore: 5, spamStrikes: 3, suspendHours: 72 };
const HOUR = 3_600_000;

describeEachEngine('lib/submission limits', ({ t }) => {
  async function world() {
    const d = await createDomain(t().db, { name: 'example.com' });
    const { mailbox } = await createMailbox(t().db, { address: 'alice@example.com', password: 'secret-pass-1' });
    return { mb: { id: mailbox.id, domainId: d.id } };
  }

  it('takes the mailbox override, else the domain one, else the defaults', async () => {
    const { mb } = await world();
    assert.deepEqual(await sendingLimits(t().db, mb, DEFAULTS), { perHour: 100, rcptPerDay: 500 });
    await setSendingLimits(t().db, 'domain', mb.domainId, { perHour: 10, rcptPerDay: 50 });
    assert.deepEqual(await sendingLimits(t().db, mb, DEFAULTS), { perHour: 10, rcptPerDay: 50 });
    await setLimitsFor(t().db, 'alice@example.com', { perHour: 3 });
    assert.deepEqual(await sendingLimits(t().db, mb, DEFAULTS), { perHour: 3, rcptPerDay: 50 });
    await setLimitsFor(t().db, 'alice@example.com', { perHour: parseLimit('default', 'per-hour') });
    assert.deepEqual(await sendingLimits(t().db, mb, DEFAULTS), { perHour: 10, rcptPerDay: 50 });
    assert.throws(() => parseLimit('-1', 'per-hour'), /whole number or "default"/);
    await assert.rejects(setLimitsFor(t().db, 'nobody@example.com', { perHour: 1 }), /does not exist/);
  });

  it('counts per hour with an upsert and sums recipients over 24 hours', async () => {
    const { mb } = await world();
    const now = Date.UTC(2026, 10, 29, 12, 30);
    await recordSending(t().db, mb.id, { messages: 1, recipients: 4 }, now - 22 * HOUR);
    await recordSending(t().db, mb.id, { messages: 1, recipients: 2 }, now - 1000);
    const u = await recordSending(t().db, mb.id, { messages: 1, recipients: 3, spam: 1 }, now);
    assert.deepEqual(u, { messagesThisHour: 2, spamThisHour: 1, recipientsToday: 9 });
    assert.equal(Number((await t().db('sending_counters').where({ mailbox_id: mb.id, hour: hourOf(now) }).first()).messages), 2);
    // an hour later the hourly count starts again; a day later the oldest recipients no longer count
    assert.deepEqual(await sendingUsage(t().db, mb.id, now + HOUR), { messagesThisHour: 0, spamThisHour: 0, recipientsToday: 9 });
    assert.equal((await sendingUsage(t().db, mb.id, now + 2 * HOUR)).recipientsToday, 5);
    const limits = { perHour: 2, rcptPerDay: 10 };
    assert.match(messageLimitReply(u, limits)!.text, /2 messages per hour/);
    assert.equal(messageLimitReply({ ...u, messagesThisHour: 1 }, limits), null);
    assert.equal(recipientLimitReply(u, limits, 1), null);
    assert.deepEqual([recipientLimitReply(u, limits, 2)?.code, recipientLimitReply(u, limits, 2)?.dsn], [451, '4.7.1']);
  });

  it('suspends until a date, forgets it afterwards, and lifts it with the spam count', async () => {
    const { mb } = await world();
    const now = Date.now();
    await recordSending(t().db, mb.id, { spam: 2 }, now);
    const s = await suspendSending(t().db, mb.id, 72, 'spam', now);
    assert.equal(s.until, now + 72 * HOUR);
    assert.deepEqual(await sendingSuspension(t().db, mb.id, now + HOUR), s);
    assert.equal(await sendingSuspension(t().db, mb.id, now + 73 * HOUR), null);
    await liftSuspension(t().db, mb.id);
    assert.equal(await sendingSuspension(t().db, mb.id, now), null);
    assert.equal((await sendingUsage(t().db, mb.id, now)).spamThisHour, 0);
  });
});
