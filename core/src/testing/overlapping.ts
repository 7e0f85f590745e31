// Two commands that truly overlap, for the tests of concurrent idempotency and renewal.
import type { Sql } from '@weltgewebe/db/client';

/**
 * Runs two commands so that they truly overlap: the outbox is held, so the first stops at its
 * event (its row written, not committed) while the second starts; then both may finish.
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
  await Bun.sleep(150);
  const b = second();
  await Bun.sleep(150);
  release();
  await holder;
  return (await Promise.all([a, b])) as [A, B];
}
