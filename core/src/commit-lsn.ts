// Read-your-writes across a read replica: after a command the core names a WAL position at or
// past its commit (header x-commit-lsn); an edge reads from the replica only once the replica
// has replayed that far, else from the primary. The insert position is read after the commit
// returned, so it can only be later than the commit record, never earlier (the write position
// could trail it while synchronous_commit is off).
import type { Sql } from '@weltgewebe/db/client';

export const COMMIT_LSN_HEADER = 'x-commit-lsn';

export async function walInsertLsn(sql: Sql): Promise<string> {
  const [row] = await sql<{ lsn: string }[]>`SELECT pg_current_wal_insert_lsn()::text AS lsn`;
  return row!.lsn;
}
