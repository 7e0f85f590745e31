// Fills h3_rollups (and h3_rollup_members, what the hex-rollup worker compares events with)
// from the tables in one pass: counts by GROUP BY over the stored H3 cells, outlines as the
// worker draws them. For bulk seeds that wrote no events, so low-zoom tiles work at once.
import type postgres from 'postgres';
import { copyLine, copyRows } from '../copy-rows.ts';
import { cellOutlineWkt } from '../h3/cell-outline.ts';
import { H3_RESOLUTIONS } from '../schema/index.ts';

/** Rebuilds members and rollups from scratch inside `tx`; returns the number of rollup rows. */
export async function fillRollups(tx: postgres.TransactionSql): Promise<number> {
  await tx`LOCK TABLE h3_rollup_members, h3_rollups IN EXCLUSIVE MODE`;
  await tx`DELETE FROM h3_rollup_members`;
  await tx`DELETE FROM h3_rollups`;
  await tx`
    INSERT INTO h3_rollup_members (member_type, member_id, node_kind, cells)
    SELECT 'node', n.id, n.kind, ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9] FROM live_nodes n`;
  await tx`
    INSERT INTO h3_rollup_members (member_type, member_id, node_id, cells)
    SELECT 'thread', t.id, t.node_id, ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9]
      FROM threads t JOIN live_nodes n ON n.id = t.node_id
     WHERE t.expired_at IS NULL`;
  await tx.unsafe(`
    INSERT INTO h3_rollup_members (member_type, member_id, cells)
    SELECT 'account', a.id, ARRAY[a.h3_r3, a.h3_r5, a.h3_r7, a.h3_r9]
      FROM accounts a
     WHERE a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL AND a.h3_r9 IS NOT NULL`);
  await tx`CREATE TEMP TABLE seed_rollup_sums ON COMMIT DROP AS
    SELECT resolution, cell,
           count(*) FILTER (WHERE member_type = 'node')::int AS nodes,
           count(*) FILTER (WHERE node_kind = 'place')::int AS nodes_place,
           count(*) FILTER (WHERE node_kind = 'resource')::int AS nodes_resource,
           count(*) FILTER (WHERE node_kind = 'project')::int AS nodes_project,
           count(*) FILTER (WHERE node_kind = 'event')::int AS nodes_event,
           count(*) FILTER (WHERE member_type = 'account')::int AS accounts,
           count(*) FILTER (WHERE member_type = 'thread')::int AS threads
      FROM h3_rollup_members m,
           unnest(${[...H3_RESOLUTIONS]}::smallint[], m.cells) AS u(resolution, cell)
     GROUP BY resolution, cell`;
  const cells = await tx<
    { cell: string }[]
  >`SELECT DISTINCT cell::text AS cell FROM seed_rollup_sums`;
  await tx`CREATE TEMP TABLE seed_cell_outlines (cell bigint PRIMARY KEY, boundary geometry(Polygon, 4326))
    ON COMMIT DROP`;
  await copyRows(
    tx,
    'seed_cell_outlines',
    ['cell', 'boundary'],
    (function* () {
      for (const { cell } of cells) yield copyLine([cell, `SRID=4326;${cellOutlineWkt(cell)}`]);
    })(),
  );
  const inserted = await tx`
    INSERT INTO h3_rollups (resolution, cell, nodes, nodes_place, nodes_resource, nodes_project,
                            nodes_event, accounts, threads, boundary)
    SELECT s.resolution, s.cell, s.nodes, s.nodes_place, s.nodes_resource, s.nodes_project,
           s.nodes_event, s.accounts, s.threads, o.boundary
      FROM seed_rollup_sums s JOIN seed_cell_outlines o ON o.cell = s.cell`;
  return inserted.count;
}
