// admin/engine/errors: the status each kind of error answers with (the page itself is
// checked over HTTP in test/admin/*.test.ts).
import assert from 'node:assert/strict';
import { MailhostError, invalid, notFound, conflict, forbidden } from '../../../lib/core';
import { HttpError, notFoundHttp, statusOf, expectedError } from '../../../admin/engine/errors';

describe('admin/engine/errors statusOf', () => {
  it('maps engine, lib, CSRF and body-parser errors to their statuses', () => {
    assert.equal(statusOf(notFoundHttp()), 404);
    assert.equal(statusOf(new HttpError(403)), 403);
    assert.equal(statusOf(notFound('gone')), 404);
    assert.equal(statusOf(Object.assign(new Error('bad token'), { code: 'EBADCSRFTOKEN' })), 403);
    assert.equal(statusOf(Object.assign(new Error('too large'), { status: 413 })), 413);
    assert.equal(statusOf(Object.assign(new Error('bad multipart'), { status: 400 })), 400);
  });

  it('answers 500 for faults: lib errors a form should have shown, temporary faults, anything else', () => {
    for (const e of [invalid('x', 'bad'), conflict('x', 'exists'), forbidden('no'), new MailhostError('temporary', 'db down'), new Error('boom'), Object.assign(new Error('x'), { status: 502 }), undefined]) {
      assert.equal(statusOf(e), 500, String(e));
    }
  });

  it('expectedError returns lib errors and rethrows the rest', () => {
    const e = invalid('x', 'bad');
    assert.equal(expectedError(e), e);
    assert.throws(() => expectedError(new Error('boom')), /boom/);
  });
});
