-- A live node is one that is neither removed (tombstone) nor hidden (moderation): the only
-- nodes tiles, lists, search, threads and rollups may show or count. That rule was written
-- out in every query; now it is this view, which both services (and later SQL functions) read.
--
-- A simple view: PostgreSQL inlines it into each query, so plans are those of the written-out
-- condition (the partial indexes on nodes, whose predicate is the same condition, still match).
-- security_invoker: a reader needs its own SELECT on nodes, the view grants nothing extra.
--
-- `SELECT *` is expanded when the view is created: a later migration that adds a column to
-- nodes must recreate this view (db/src/schema/live-nodes.test.ts fails until it does), and
-- one that changes a column's type must drop and recreate it.
--
-- Not the same rule: the per-account quota counts nodes that are not removed (hidden ones
-- still count; see core/src/nodes/service.ts and nodes_created_by_live).
CREATE VIEW live_nodes WITH (security_invoker = true) AS
  SELECT * FROM nodes WHERE removed_at IS NULL AND hidden_at IS NULL;

-- Read-only for both roles (the default privileges of 0003 would let the core write through it).
REVOKE ALL ON live_nodes FROM PUBLIC, weltgewebe_core, weltgewebe_edge;
GRANT SELECT ON live_nodes TO weltgewebe_core, weltgewebe_edge;
