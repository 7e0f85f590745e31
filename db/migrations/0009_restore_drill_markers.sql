-- The restore drill's bookkeeping (infra/src/backup/restore-drill.ts): each drill commits a
-- marker row, then one more row right after it, and restores the database to the moment of
-- the marker's commit; the restored copy must hold the marker and not the row after it.
-- Kept outside `public` on purpose: no domain data, and no grants to the service roles.
CREATE SCHEMA ops;
REVOKE ALL ON SCHEMA ops FROM PUBLIC;

CREATE TABLE ops.restore_drill_markers (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('marker', 'after')),
  written_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
