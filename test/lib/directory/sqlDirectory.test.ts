// The SQL directory the MTA reads and the mailbox functions the admin and CLI use must see
// a mailbox the same way: one row, one meaning.
import assert from 'node:assert/strict';
import { describeEachEngineShared } from '../../helpers/sharedEngineDb';
import { sqlDirectory, resolveRecipient, createDomain, createMailbox, getMailbox } from '../../../lib/directory';

describeEachEngineShared('SQL directory', ({ t }) => {
  // Redirects stored by other tools (imports, hand-written SQL) may be separated by ';' or spaces.
  for (const stored of ['ext1@remote.test; ext2@remote.test', 'ext1@remote.test ext2@remote.test', 'ext1@remote.test,\next2@remote.test']) {
    it(`reads a stored redirect ${JSON.stringify(stored)} as the mailbox functions do`, async () => {
      const { db } = t();
      await createDomain(db, { name: 'example.com' });
      const { mailbox } = await createMailbox(db, { address: 'jean@example.com', password: 'secret-pass-1' });
      await db('mailboxes').where({ id: mailbox.id }).update({ redirect_to: stored });
      const viaLib = (await getMailbox(db, mailbox.id)).redirect_to;
      const { mailboxes } = await sqlDirectory(db).findEntries(['jean@example.com']);
      assert.deepEqual(viaLib, ['ext1@remote.test', 'ext2@remote.test']);
      assert.deepEqual(mailboxes[0].redirect_to, viaLib);
      const res = await resolveRecipient(sqlDirectory(db), 'jean@example.com');
      assert.equal(res.status, 'local');
      if (res.status === 'local') assert.deepEqual(res.targets.map((x) => (x.kind === 'external' ? x.address : x.mailbox.address)).sort(), viaLib);
    });
  }
});
