// Child process of the crash test (crash.test.ts): runs the migrations of MH_DB_URL and
// SIGKILLs itself at the MH_KILL_AT-th SQL statement, counting every statement
// (MH_KILL_COUNT=all, the default) or only DDL (MH_KILL_COUNT=ddl):
//   MH_KILL_MODE=after     once the statement's answer came back, before anything else runs
//   MH_KILL_MODE=inflight  right after the statement was handed to the driver (on MariaDB it is
//                          then on its way to, or running on, the server when the process dies)
// It prints "ready" before it starts (the parent may then kill it after a delay instead) and,
// when it runs to the end, the number of statements it sent, got answers to (BEGIN and
// COMMIT get none) and of DDL statements.
import { openDb, migrateLatest } from '../../lib/core';

const DDL = /^\s*(create|alter|drop)\s/i;

async function main(): Promise<void> {
  const db = openDb(process.env.MH_DB_URL!);
  const killAt = Number(process.env.MH_KILL_AT ?? 0);
  const counts = process.env.MH_KILL_COUNT === 'ddl' ? (sql: string) => DDL.test(sql) : () => true;
  const mode = process.env.MH_KILL_MODE ?? 'after';
  const die = () => process.kill(process.pid, 'SIGKILL');
  let sent = 0;
  let counted = 0;
  let answered = 0;
  let ddl = 0;
  db.on('query', (q: { sql: string }) => {
    sent += 1;
    if (DDL.test(q.sql)) ddl += 1;
    if (mode === 'inflight' && counts(q.sql) && ++counted === killAt) setImmediate(die);
  });
  const onAnswer = (_res: unknown, q: { sql: string }) => {
    if (counts(q.sql)) answered += 1;
    if (mode === 'after' && answered === killAt) die();
  };
  db.on('query-response', onAnswer);
  db.on('query-error', (_err: unknown, q: { sql: string }) => onAnswer(undefined, q));
  process.stdout.write('ready\n');
  await migrateLatest(db, { log: (line) => process.stdout.write(`${line}\n`) });
  await db.destroy();
  process.stdout.write(`statements ${sent} answered ${answered} ddl ${ddl}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
