// Two commands that truly overlap, for the tests of concurrent idempotency and renewal.
import type { Sql } from '@weltgewebe/db/client';

/** Waits until `count` statements in this database wait for a lock held by another. */
async function lockWaiters(sql: Sql, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE NOT l.granted AND a.datname = current_database()`;
    if (row!.n >= count) return;
    if (Date.now() > deadline) throw new Error(`${count} commands never waited for a lock`);
    await Bun.sleep(5);
  }
}

/**
 * Runs two commands so that they truly overlap: the outbox is held, so the first stops at its
 * event (its row written and its locks taken, not committed); only then the second starts, and
 * once it waits behind the first, both may finish. Waiting on the locks, not on a clock, keeps
 * the order on a busy machine.
 */
export async function overlapping<A, B>(
  sql: Sql,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  let release!: () => void;
  let held!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const isHeld = new Promise<void>((r) => (held = r));
  const holder = sql.begin(async (tx) => {
    await tx`LOCK TABLE outbox IN EXCLUSIVE MODE`;
    held();
    await gate;
  });
  await isHeld;
  const a = first();
  await lockWaiters(sql, 1);
  const b = second();
  await lockWaiters(sql, 2);
  release();
  await holder;
  return (await Promise.all([a, b])) as [A, B];
}
