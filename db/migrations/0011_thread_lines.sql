-- Threads keep their line: the segment from the account's public point to its node, stored
-- on the thread and indexed, so a tile reads the threads it draws instead of joining every
-- live thread with accounts and nodes and filtering afterwards (bench/README.md, "The map at
-- a million").
--
-- The line is NULL when the thread would not be drawn: expired, account not on the map, or
-- node not live (live_nodes). Triggers keep it true through every write of the core: a
-- thread spun, renewed or expired; an account located, moved or taken off the map; a node
-- moved, removed, hidden or shown again. Writers need not know the column exists.
--
-- The index is GiST on (line, expires_at), partial on live threads with a line. A low-zoom
-- tile, which nearly every line crosses, asks it for lines in its box ordered by expires_at
-- (strongest first) and stops at its limit; a detail tile asks for the box only.

-- expires_at and resolution in GiST indexes next to geometry.
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE threads ADD COLUMN line geometry(LineString, 4326);

-- The line a live thread between this account and this node has, or NULL.
CREATE FUNCTION thread_line(account uuid, node uuid) RETURNS geometry
LANGUAGE sql STABLE AS $$
  SELECT ST_MakeLine(a.public_point, n.location)
    FROM accounts a, live_nodes n
   WHERE a.id = account AND n.id = node
     AND a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL
$$;

CREATE FUNCTION threads_keep_line() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.line := CASE WHEN NEW.expired_at IS NULL THEN thread_line(NEW.account_id, NEW.node_id) END;
  RETURN NEW;
END $$;

CREATE TRIGGER threads_keep_line BEFORE INSERT OR UPDATE OF account_id, node_id, expired_at
  ON threads FOR EACH ROW EXECUTE FUNCTION threads_keep_line();

CREATE FUNCTION accounts_move_thread_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE threads SET line = thread_line(account_id, node_id)
   WHERE account_id = NEW.id AND expired_at IS NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER accounts_move_thread_lines AFTER UPDATE OF public_point, map_state ON accounts
  FOR EACH ROW
  WHEN (OLD.public_point IS DISTINCT FROM NEW.public_point OR OLD.map_state IS DISTINCT FROM NEW.map_state)
  EXECUTE FUNCTION accounts_move_thread_lines();

CREATE FUNCTION nodes_move_thread_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE threads SET line = thread_line(account_id, node_id)
   WHERE node_id = NEW.id AND expired_at IS NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER nodes_move_thread_lines AFTER UPDATE OF location, removed_at, hidden_at ON nodes
  FOR EACH ROW
  WHEN (OLD.location IS DISTINCT FROM NEW.location OR OLD.removed_at IS DISTINCT FROM NEW.removed_at
        OR OLD.hidden_at IS DISTINCT FROM NEW.hidden_at)
  EXECUTE FUNCTION nodes_move_thread_lines();

-- Backfill in one statement (a join, not a function call per row).
UPDATE threads t SET line = ST_MakeLine(a.public_point, n.location)
  FROM accounts a, live_nodes n
 WHERE t.expired_at IS NULL AND a.id = t.account_id AND n.id = t.node_id
   AND a.map_state <> 'not_on_map' AND a.public_point IS NOT NULL;

CREATE INDEX threads_line_live_gix ON threads USING gist (line, expires_at)
  WHERE expired_at IS NULL AND line IS NOT NULL;
ANALYZE threads;

-- Rollup tiles ask for one resolution in a box. With (boundary) alone and the primary key
-- (resolution, cell), PostgreSQL ANDs a bitmap of every cell of that resolution (109,000 at
-- resolution 7 in the large world) with the box; one GiST on both (the resolution through
-- btree_gist) finds just the box's cells.
CREATE INDEX h3_rollups_resolution_boundary_gix ON h3_rollups USING gist (resolution, boundary);
ANALYZE h3_rollups;
