// Which database errors the admin answers with 503 "temporarily unavailable" (they go away by
// themselves) and which are real faults: SQLite's extended busy/locked codes included.
import assert from 'node:assert/strict';
import { isDatabaseUnavailable } from '../../admin/resilience';

const fault = (code: string, extra: object = {}) => Object.assign(new Error(code), { code, ...extra });

describe('admin: transient database faults', () => {
  it('SQLite busy and locked, plain or extended, are transient', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED_SHAREDCACHE']) {
      assert.equal(isDatabaseUnavailable(fault(code)), true, code);
    }
  });

  it('MariaDB connection faults are transient, also when wrapped; a constraint violation is not', () => {
    assert.equal(isDatabaseUnavailable(fault('ECONNREFUSED')), true);
    assert.equal(isDatabaseUnavailable(new Error('wrapped', { cause: fault('PROTOCOL_CONNECTION_LOST') })), true);
    assert.equal(isDatabaseUnavailable(fault('ER_DUP_ENTRY')), false);
    assert.equal(isDatabaseUnavailable(fault('SQLITE_CONSTRAINT_UNIQUE')), false);
    assert.equal(isDatabaseUnavailable(fault('SQLITE_BUSYNESS')), false);
  });
});
