// Dovecot's SQL configuration for our database URL (the queries themselves run against a real
// Dovecot in test/e2e/dovecot.test.ts).
import assert from 'node:assert/strict';
import { sqlConnection, sqlConf } from '../../../lib/dovecot';

describe('dovecot: SQL configuration', () => {
  it('SQLite: the database file', () => {
    assert.deepEqual(sqlConnection('sqlite:///var/lib/mailhost/mailhost.sqlite'), { driver: 'sqlite', connect: '/var/lib/mailhost/mailhost.sqlite' });
    assert.throws(() => sqlConnection('sqlite://data/x.sqlite'), /absolute/);
  });

  it('MySQL/MariaDB: host, port, database, user and password; a socket replaces host and port', () => {
    assert.deepEqual(sqlConnection('mysql://mail%40host:s3cr%21t@db.internal:3307/mailhost'), { driver: 'mysql', connect: 'host=db.internal port=3307 dbname=mailhost user=mail@host password=s3cr!t' });
    assert.deepEqual(sqlConnection('mariadb://root@127.0.0.1/mh'), { driver: 'mysql', connect: 'host=127.0.0.1 port=3306 dbname=mh user=root' });
    assert.equal(sqlConnection('mysql://m:p@localhost/mh?socket=/run/mysqld/mysqld.sock').connect, 'host=/run/mysqld/mysqld.sock dbname=mh user=m password=p');
  });

  it('refuses a value Dovecot could not read back (a space in the password)', () => {
    assert.throws(() => sqlConnection('mysql://m:a%20b@localhost/mh'), /password contains a space/);
  });

  it('active mailboxes of active domains only; quota from quota_mb in each dialect', () => {
    const sqlite = sqlConf('sqlite:///d/m.sqlite');
    const mysql = sqlConf('mysql://root@127.0.0.1/mh');
    for (const conf of [sqlite, mysql]) {
      assert.match(conf, /^password_query = SELECT m\.address AS user, m\.password_hash AS password FROM mailboxes m JOIN domains d ON d\.id = m\.domain_id WHERE m\.address = '%u' AND m\.active = 1 AND d\.active = 1$/m);
      assert.match(conf, /^default_pass_scheme = BLF-CRYPT$/m);
    }
    assert.match(sqlite, /'\*:storage=' \|\| m\.quota_mb \|\| 'M' AS quota_rule/);
    assert.match(mysql, /CONCAT\('\*:storage=', m\.quota_mb, 'M'\) AS quota_rule/);
  });
});
