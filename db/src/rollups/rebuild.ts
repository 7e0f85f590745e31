// The one full rebuild of the H3 rollups: h3_rollups (nodes by kind, accounts on the map and
// live threads per cell at resolutions 3/5/7/9, which low-zoom tiles read) and h3_rollup_members
// (what each row counts, which the hex-rollup worker compares events with), recomputed from the
// tables in one pass. The worker calls it to build or repair; the bulk seeds call it because they
// write no events. Counts come from GROUP BY over the stored H3 cells, outlines from h3-js
// (cellOutlineWkt, as the worker draws them) loaded with COPY.
import type postgres from 'postgres';
import { copyLine, copyRows } from '../copy-rows.ts';
import { cellOutlineWkt } from '../h3/cell-outline.ts';
import { H3_RESOLUTIONS } from '../schema/index.ts';

export interface RebuildSummary {
  /** Members counted: live nodes, accounts on the map, live threads of live nodes. */
  nodes: number;
  accounts: number;
  threads: number;
  /** Rollup rows written (cells over all resolutions). */
  cells: number;
}

/**
 * Recomputes members and rollups from scratch in one transaction. Takes both rollup tables
 * exclusively meanwhile, so event workers wait and then continue from the rebuilt state.
 */
export async function rebuildRollups(sql: postgres.Sql): Promise<RebuildSummary> {
  return await sql.begin(async (tx) => {
    await tx`LOCK TABLE h3_rollup_members, h3_rollups IN EXCLUSIVE MODE`;
    await tx`DELETE FROM h3_rollup_members`;
    await tx`DELETE FROM h3_rollups`;
    const nodes = await tx`
      INSERT INTO h3_rollup_members (member_type, member_id, node_kind, cells)
      SELECT 'node', n.id, n.kind, ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9] FROM live_nodes n`;
    const threads = await tx`
      INSERT INTO h3_rollup_members (member_type, member_id, node_id, cells)
      SELECT 'thread', t.id, t.node_id, ARRAY[n.h3_r3, n.h3_r5, n.h3_r7, n.h3_r9]
        FROM threads t JOIN live_nodes n ON n.id = t.node_id
       WHERE t.expired_at IS NULL`;
    // Accounts count at the cells of their public point, stored with it (core/src/accounts).
    const accounts = await tx`
      INSERT INTO h3_rollup_members (member_type, member_id, cells)
      SELECT 'account', a.id, ARRAY[a.h3_r3, a.h3_r5, a.h3_r7, a.h3_r9]
        FROM accounts a
       WHERE a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL AND a.h3_r9 IS NOT NULL`;
    await tx`CREATE TEMP TABLE rebuilt_rollup_sums ON COMMIT DROP AS
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
    const cells = await tx<{ cell: string }[]>`
      SELECT DISTINCT cell::text AS cell FROM rebuilt_rollup_sums`;
    await tx`CREATE TEMP TABLE rebuilt_cell_outlines (cell bigint PRIMARY KEY,
      boundary geometry(Polygon, 4326)) ON COMMIT DROP`;
    await copyRows(
      tx,
      'rebuilt_cell_outlines',
      ['cell', 'boundary'],
      (function* () {
        for (const { cell } of cells) yield copyLine([cell, `SRID=4326;${cellOutlineWkt(cell)}`]);
      })(),
    );
    const rows = await tx`
      INSERT INTO h3_rollups (resolution, cell, nodes, nodes_place, nodes_resource, nodes_project,
                              nodes_event, accounts, threads, boundary)
      SELECT s.resolution, s.cell, s.nodes, s.nodes_place, s.nodes_resource, s.nodes_project,
             s.nodes_event, s.accounts, s.threads, o.boundary
        FROM rebuilt_rollup_sums s JOIN rebuilt_cell_outlines o ON o.cell = s.cell`;
    return {
      nodes: nodes.count,
      accounts: accounts.count,
      threads: threads.count,
      cells: rows.count,
    };
  });
}
