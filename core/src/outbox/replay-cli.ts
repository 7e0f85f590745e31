// `bun core/src/outbox/replay-cli.ts [--check]`: run after restoring the database (with core,
// relay, workers and edges stopped). Without flags it deletes stream GEWEBE and marks the
// outbox rows to publish again; start relay and workers afterwards. `--check` prints whether
// consumers agree with the database and exits 1 while they do not. Prints one JSON line.
import { createPool } from '@weltgewebe/db/client';
import { connectNats } from '@weltgewebe/events/jetstream';
import { loadCoreEnv } from '../env.ts';
import { consistencyReport, deleteStream, markForReplay } from './replay-after-restore.ts';

const env = loadCoreEnv();
const sql = createPool(env.CORE_DATABASE_URL, { applicationName: 'replay', max: 2 });
try {
  if (process.argv.includes('--check')) {
    const report = await consistencyReport(sql);
    console.log(JSON.stringify(report));
    process.exitCode = report.consistent ? 0 : 1;
  } else {
    const nc = await connectNats(env.NATS_URL, 'weltgewebe-replay');
    const streamDeleted = await deleteStream(nc);
    await nc.drain();
    const replayed = await markForReplay(sql);
    console.log(JSON.stringify({ streamDeleted, replayed }));
  }
} finally {
  await sql.end({ timeout: 5 });
}
