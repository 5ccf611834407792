// freePorts: the listeners of one Haraka (SMTP, submission, submission over TLS) get distinct
// ports; asked one after the other, two once came back the same and a CI run failed on it.
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePorts } from '../../../lib/haraka';

describe('freePorts', () => {
  it('gives distinct loopback ports, every one free again when it returns', async () => {
    for (let round = 0; round < 50; round++) {
      const ports = await freePorts(4);
      assert.equal(new Set(ports).size, 4, ports.join(','));
      if (round === 0) {
        for (const port of ports) {
          const srv = net.createServer();
          await new Promise<void>((resolve, reject) => {
            srv.once('error', reject);
            srv.listen(port, '127.0.0.1', () => resolve());
          });
          await new Promise<void>((resolve) => srv.close(() => resolve()));
        }
      }
    }
  });
});
