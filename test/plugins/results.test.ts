// plugins/results: what other Haraka plugins left on a (fixtures) transaction, read into
// lib/spam's plain ExternalResults, whatever shape it is in.
import assert from 'node:assert/strict';
import { externalFromTransaction } from '../../plugins/results';

const fixtures = require('haraka-test-fixtures') as {
  connection: { createConnection(): { init_transaction(): void; transaction: { results: { add(p: { name: string }, o: object): void }; notes: Record<string, unknown> }; results: { add(p: { name: string }, o: object): void } } };
};

describe('spam: results of other Haraka plugins', () => {
  function txn() {
    const conn = fixtures.connection.createConnection();
    conn.init_transaction();
    return conn;
  }

  it('reads spamassassin, rspamd, clamd, spf and dkim results', () => {
    const conn = txn();
    const r = conn.transaction.results;
    r.add({ name: 'spamassassin' }, { score: 7.5, required: 5, tests: 'BAYES_99,HTML_MESSAGE', emit: true });
    r.add({ name: 'rspamd' }, { score: 12.1, required_score: 15, action: 'add header', is_skipped: false });
    r.add({ name: 'rspamd' }, { symbols: { R_SPF_FAIL: 1, FORGED_SENDER: 0.3 } });
    r.add({ name: 'clamd' }, { fail: 'Eicar-Test-Signature', emit: true });
    r.add({ name: 'spf' }, { scope: 'mfrom', result: 'Pass', domain: 'example.com', emit: true });
    conn.results.add({ name: 'spf' }, { pass: 'helo.example.org' });
    r.add({ name: 'dkim' }, { domain: 'example.com', identity: '@example.com', selector: 's1', pass: 'example.com' });
    r.add({ name: 'dkim' }, { domain: 'bad.example', fail: 'bad.example' });
    const ext = externalFromTransaction(conn.transaction, conn);
    assert.deepEqual(ext.spamassassin, { score: 7.5, required: 5, tests: ['BAYES_99', 'HTML_MESSAGE'] });
    assert.equal(ext.rspamd?.score, 12.1);
    assert.equal(ext.rspamd?.action, 'add header');
    assert.deepEqual(ext.rspamd?.symbols, ['R_SPF_FAIL', 'FORGED_SENDER']);
    assert.deepEqual(ext.virus, { infected: true, names: ['Eicar-Test-Signature'] });
    assert.deepEqual(ext.spf, { result: 'pass', domain: 'example.com' });
    assert.deepEqual(ext.spfPass?.sort(), ['example.com', 'helo.example.org']);
    assert.deepEqual(ext.dkimPass, ['example.com']);
    assert.deepEqual(ext.dkimFail, ['bad.example']);
  });

  it('reads nothing from an empty or odd transaction, without throwing', () => {
    assert.deepEqual(externalFromTransaction(txn().transaction), {});
    assert.deepEqual(externalFromTransaction(null), {});
    assert.deepEqual(externalFromTransaction({ results: { get: () => { throw new Error('x'); } }, notes: 'nope' }), {});
    const conn = txn();
    conn.transaction.results.add({ name: 'spamassassin' }, { err: 'socket error' });
    conn.transaction.results.add({ name: 'clamd' }, { pass: 'clean' });
    assert.deepEqual(externalFromTransaction(conn.transaction), { virus: { infected: false, names: [] } });
  });
});
