// Connection URLs (lib/db): a MariaDB/MySQL URL may name the server's Unix socket.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { knexConfig, openDb, rawRows } from '../../../lib/core';

const SOCKET = '/run/mysqld/mysqld.sock';

describe('database URLs', () => {
  it('takes ?socket= as the Unix socket of a MariaDB/MySQL server', () => {
    const c = knexConfig('mysql://mailhost:p%40ss@localhost/mailhost?socket=/run/mysqld/mysqld.sock').connection as Record<string, unknown>;
    assert.equal(c.socketPath, SOCKET);
    assert.equal(c.database, 'mailhost');
    assert.equal(c.password, 'p@ss');
    const tcp = knexConfig('mariadb://root@127.0.0.1:3307/db').connection as Record<string, unknown>;
    assert.equal(tcp.socketPath, undefined);
    assert.equal(tcp.port, 3307);
  });

  const live = process.env.TEST_MYSQL_URL && fs.existsSync(SOCKET);
  (live ? it : it.skip)('connects through the socket of the local server', async () => {
    const base = new URL(process.env.TEST_MYSQL_URL!);
    base.hostname = 'localhost';
    base.searchParams.set('socket', SOCKET);
    const db = openDb(base.toString());
    try {
      const rows = rawRows(await db.raw('SELECT 41 + 1 AS answer'));
      assert.equal(Number(rows[0].answer), 42);
    } finally {
      await db.destroy();
    }
  });
});
