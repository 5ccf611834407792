// plugins/common messageBuffer: the message as received plus the header edits made so far, read
// once per transaction; an edit made after an earlier call is in the next one (the edited copy
// is kept only while the header list it was made from is unchanged).
import assert from 'node:assert/strict';
import { connection, addMessage } from '../helpers/harakaFixtures';
import { messageBuffer } from '../../plugins/common';

const MESSAGE = 'From: alice@remote.test\r\nSubject: caf\xe9\r\nX-Spam-Flag: YES\r\n\r\nbody\r\n';

describe('plugins/common messageBuffer', () => {
  it('follows every header edit, also after an earlier call, and keeps 8-bit header bytes', async () => {
    const conn = connection();
    await addMessage(conn, Buffer.from(MESSAGE, 'latin1'));
    const txn = conn.transaction as unknown as Haraka.Transaction;
    const first = await messageBuffer(txn);
    assert.equal(first.toString('latin1'), MESSAGE);
    assert.equal(await messageBuffer(txn), first, 'the same list: the same copy');

    txn.add_header('X-Spam-Status', 'No, score=0.1');
    const added = (await messageBuffer(txn)).toString('latin1');
    assert.ok(added.startsWith('X-Spam-Status: No, score=0.1\r\nFrom: alice@remote.test\r\n'), added);
    assert.match(added, /^Subject: caf\xe9\r$/m, '8-bit byte as received');

    txn.remove_header('X-Spam-Flag');
    const removed = (await messageBuffer(txn)).toString('latin1');
    assert.doesNotMatch(removed, /X-Spam-Flag/);
    assert.ok(removed.startsWith('X-Spam-Status: No, score=0.1\r\n'), removed);
    assert.ok(removed.endsWith('\r\n\r\nbody\r\n'));
  });
});
