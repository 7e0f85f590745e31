-- Threads at every zoom, reading only what a tile draws (bench/README.md, "The composite at
-- a million"). Two tables follow threads.line (0011_thread_lines.sql) in the same transaction,
-- kept by triggers on threads, so writers need not know they exist:
--
-- * thread_flows: below z9 a line is hundreds of kilometres long and tens of thousands cross
--   one tile; they are drawn as flows between H3 cells instead — one row per (resolution,
--   the account's cell, the node's cell) with the number of live threads, the sum of their
--   expiry times (mean strength) and the sums of their ends in Web Mercator, so the flow's
--   line runs from the mean account point to the mean node point of its threads. Resolution
--   3 serves z5–8 (edge/src/tiles/sources/threads.ts). Resolution 5 was tried for z7–8 and
--   aggregates nothing in the generated large world (257,000 flows for 300,000 threads, 61,000
--   in one z8 tile); the column is there for a finer level should a world need one.
-- * thread_segments: from z9 each live line in Web Mercator, cut into pieces no longer than a
--   z9 tile is wide, one row each, so that a box hit means a nearby line, not one of the
--   long lines whose box merely covers the tile. In 3857 already: no transform per feature.
--
-- threads keeps the cells its flows were counted in (from_r3, to_r3, set with the line), so
-- a write can take back exactly what the row contributed before, whatever moved since.

ALTER TABLE threads ADD COLUMN from_r3 bigint, ADD COLUMN to_r3 bigint;

-- The line and the cells of its ends, or NULLs while the thread is not drawn. Two lookups by
-- primary key, not one join: PL/pgSQL caches a generic plan for the join, which on freshly
-- filled tables (no statistics yet) took 30 ms per row — 92 s for 3,000 threads at once.
CREATE OR REPLACE FUNCTION threads_keep_line() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  a record;
  n record;
BEGIN
  NEW.line := NULL;
  NEW.from_r3 := NULL; NEW.to_r3 := NULL;
  IF NEW.expired_at IS NULL THEN
    SELECT public_point, h3_r3 INTO a FROM accounts
     WHERE id = NEW.account_id AND map_state <> 'not_on_map' AND public_point IS NOT NULL;
    IF FOUND THEN
      SELECT location, h3_r3 INTO n FROM live_nodes WHERE id = NEW.node_id;
      IF FOUND THEN
        NEW.line := ST_MakeLine(a.public_point, n.location);
        NEW.from_r3 := a.h3_r3; NEW.to_r3 := n.h3_r3;
      END IF;
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- A moved end re-evaluates the thread through threads_keep_line (line and cells together).
CREATE OR REPLACE FUNCTION accounts_move_thread_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE threads SET account_id = account_id WHERE account_id = NEW.id AND expired_at IS NULL;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION nodes_move_thread_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE threads SET node_id = node_id WHERE node_id = NEW.id AND expired_at IS NULL;
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------- segments (z9 and up)

CREATE TABLE thread_segments (
  -- No foreign key: the triggers below keep it, set-based (a key check would cost a lookup per piece).
  thread_id   uuid NOT NULL,
  part        integer NOT NULL,
  thread_seq  bigint NOT NULL,
  kind        text NOT NULL,
  expires_at  timestamptz NOT NULL,
  node_id     uuid NOT NULL,
  account_id  uuid NOT NULL,
  seg         geometry(LineString, 3857) NOT NULL,
  PRIMARY KEY (thread_id, part)
);

-- A z9 tile's width in Web Mercator metres: a piece's box never covers more than about one z9
-- tile, so from z9 on the box hits of a tile are the lines near it.
CREATE FUNCTION thread_segments_of(line geometry)
RETURNS TABLE (part integer, seg geometry)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT d.path[1], d.geom
    FROM ST_DumpSegments(ST_Segmentize(ST_Transform(line, 3857), 78271.517)) AS d
$$;

-- Statement-level, set-based (transition tables): a bulk insert or an account moving with
-- hundreds of threads is one INSERT of pieces, not a function call per row.
CREATE FUNCTION threads_segments_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO thread_segments (thread_id, part, thread_seq, kind, expires_at, node_id, account_id, seg)
  SELECT n.id, s.part, n.seq, n.kind, n.expires_at, n.node_id, n.account_id, s.seg
    FROM new_rows n, thread_segments_of(n.line) s
   WHERE n.line IS NOT NULL;
  RETURN NULL;
END $$;

CREATE FUNCTION threads_segments_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- A renewal: same pieces, new strength.
  UPDATE thread_segments s SET expires_at = n.expires_at
    FROM old_rows o JOIN new_rows n ON n.id = o.id
   WHERE s.thread_id = n.id AND o.expires_at IS DISTINCT FROM n.expires_at
     AND o.line IS NOT DISTINCT FROM n.line AND o.kind = n.kind
     AND o.account_id = n.account_id AND o.node_id = n.node_id;
  -- Anything else drawn differently: new pieces.
  DELETE FROM thread_segments s USING old_rows o JOIN new_rows n ON n.id = o.id
   WHERE s.thread_id = o.id
     AND (o.line IS DISTINCT FROM n.line OR o.kind <> n.kind
          OR o.account_id <> n.account_id OR o.node_id <> n.node_id);
  INSERT INTO thread_segments (thread_id, part, thread_seq, kind, expires_at, node_id, account_id, seg)
  SELECT n.id, s.part, n.seq, n.kind, n.expires_at, n.node_id, n.account_id, s.seg
    FROM old_rows o JOIN new_rows n ON n.id = o.id, thread_segments_of(n.line) s
   WHERE n.line IS NOT NULL
     AND (o.line IS DISTINCT FROM n.line OR o.kind <> n.kind
          OR o.account_id <> n.account_id OR o.node_id <> n.node_id);
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------- flows (z5–8)

CREATE TABLE thread_flows (
  resolution   smallint NOT NULL CHECK (resolution = 3),
  from_cell    bigint NOT NULL,
  to_cell      bigint NOT NULL,
  -- No CHECK (threads >= 0): INSERT … ON CONFLICT checks the proposed row (a negative delta)
  -- before it finds the row to update.
  threads      integer NOT NULL,
  -- Sums over the flow's live threads: expiry (epoch s) and both ends (EPSG:3857 metres).
  expires_sum  double precision NOT NULL,
  from_x_sum   double precision NOT NULL,
  from_y_sum   double precision NOT NULL,
  to_x_sum     double precision NOT NULL,
  to_y_sum     double precision NOT NULL,
  line         geometry(LineString, 3857),
  PRIMARY KEY (resolution, from_cell, to_cell)
);

CREATE TYPE thread_flow_change AS (
  resolution smallint, from_cell bigint, to_cell bigint, threads integer,
  expires_sum double precision, from_x_sum double precision, from_y_sum double precision,
  to_x_sum double precision, to_y_sum double precision
);

-- From the mean account point to the mean node point.
CREATE FUNCTION thread_flow_line(fx double precision, fy double precision,
                                 tx double precision, ty double precision, n integer)
RETURNS geometry LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN n > 0 THEN
    ST_SetSRID(ST_MakeLine(ST_MakePoint(fx / n, fy / n), ST_MakePoint(tx / n, ty / n)), 3857) END
$$;

-- What one thread row adds to (sign 1) or takes from (sign -1) its flow.
CREATE FUNCTION thread_flow_parts(line geometry, from_r3 bigint, to_r3 bigint,
                                  expires_at timestamptz, sign integer)
RETURNS SETOF thread_flow_change LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ROW(r.res, r.fc, r.tc, sign, sign * extract(epoch FROM expires_at)::float8,
             sign * ST_X(p.a), sign * ST_Y(p.a), sign * ST_X(p.n), sign * ST_Y(p.n))::thread_flow_change
    FROM (SELECT ST_Transform(ST_StartPoint(line), 3857) AS a,
                 ST_Transform(ST_EndPoint(line), 3857) AS n) p,
         (VALUES (3::smallint, from_r3, to_r3)) AS r(res, fc, tc)
   WHERE line IS NOT NULL AND r.fc IS NOT NULL AND r.tc IS NOT NULL
$$;

-- Applies changes in one global key order (two writers never wait on each other in a cycle);
-- a flow whose last thread left is removed.
CREATE FUNCTION thread_flows_apply(changes thread_flow_change[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(changes) = 0 THEN RETURN; END IF;
  INSERT INTO thread_flows AS f (resolution, from_cell, to_cell, threads, expires_sum,
                                 from_x_sum, from_y_sum, to_x_sum, to_y_sum, line)
  SELECT c.resolution, c.from_cell, c.to_cell, sum(c.threads), sum(c.expires_sum),
         sum(c.from_x_sum), sum(c.from_y_sum), sum(c.to_x_sum), sum(c.to_y_sum),
         thread_flow_line(sum(c.from_x_sum), sum(c.from_y_sum), sum(c.to_x_sum), sum(c.to_y_sum),
                          sum(c.threads)::integer)
    FROM unnest(changes) c
   GROUP BY c.resolution, c.from_cell, c.to_cell
  HAVING sum(c.threads) <> 0 OR sum(c.expires_sum) <> 0 OR sum(c.from_x_sum) <> 0
      OR sum(c.from_y_sum) <> 0 OR sum(c.to_x_sum) <> 0 OR sum(c.to_y_sum) <> 0
   ORDER BY c.resolution, c.from_cell, c.to_cell
  ON CONFLICT (resolution, from_cell, to_cell) DO UPDATE SET
    threads = f.threads + EXCLUDED.threads,
    expires_sum = f.expires_sum + EXCLUDED.expires_sum,
    from_x_sum = f.from_x_sum + EXCLUDED.from_x_sum,
    from_y_sum = f.from_y_sum + EXCLUDED.from_y_sum,
    to_x_sum = f.to_x_sum + EXCLUDED.to_x_sum,
    to_y_sum = f.to_y_sum + EXCLUDED.to_y_sum,
    line = thread_flow_line(f.from_x_sum + EXCLUDED.from_x_sum, f.from_y_sum + EXCLUDED.from_y_sum,
                            f.to_x_sum + EXCLUDED.to_x_sum, f.to_y_sum + EXCLUDED.to_y_sum,
                            f.threads + EXCLUDED.threads);
  DELETE FROM thread_flows f
   USING (SELECT DISTINCT resolution, from_cell, to_cell FROM unnest(changes)) c
   WHERE f.resolution = c.resolution AND f.from_cell = c.from_cell AND f.to_cell = c.to_cell
     AND f.threads = 0;
END $$;

CREATE FUNCTION threads_flows_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM thread_flows_apply(ARRAY(
    SELECT p FROM new_rows n,
      thread_flow_parts(n.line, n.from_r3, n.to_r3, n.expires_at, 1) p));
  RETURN NULL;
END $$;

CREATE FUNCTION threads_flows_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM thread_flows_apply(ARRAY(
    WITH changed AS (
      SELECT o.line AS old_line, o.from_r3 AS old_f3, o.to_r3 AS old_t3,
             o.expires_at AS old_expires, n.*
        FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.line, o.expires_at, o.from_r3, o.to_r3)
             IS DISTINCT FROM (n.line, n.expires_at, n.from_r3, n.to_r3))
    SELECT p FROM changed c,
      thread_flow_parts(c.old_line, c.old_f3, c.old_t3, c.old_expires, -1) p
    UNION ALL
    SELECT p FROM changed c,
      thread_flow_parts(c.line, c.from_r3, c.to_r3, c.expires_at, 1) p));
  RETURN NULL;
END $$;

-- Threads are never deleted by the core; should one be, its flows and pieces go with it.
CREATE FUNCTION threads_flows_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM thread_segments s USING old_rows o WHERE s.thread_id = o.id;
  PERFORM thread_flows_apply(ARRAY(
    SELECT p FROM old_rows o,
      thread_flow_parts(o.line, o.from_r3, o.to_r3, o.expires_at, -1) p));
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------- backfill, then triggers

UPDATE threads t SET from_r3 = a.h3_r3, to_r3 = n.h3_r3
  FROM accounts a, nodes n
 WHERE t.line IS NOT NULL AND a.id = t.account_id AND n.id = t.node_id;

INSERT INTO thread_segments (thread_id, part, thread_seq, kind, expires_at, node_id, account_id, seg)
SELECT t.id, s.part, t.seq, t.kind, t.expires_at, t.node_id, t.account_id, s.seg
  FROM threads t, thread_segments_of(t.line) s
 WHERE t.line IS NOT NULL;

INSERT INTO thread_flows (resolution, from_cell, to_cell, threads, expires_sum,
                          from_x_sum, from_y_sum, to_x_sum, to_y_sum, line)
SELECT p.resolution, p.from_cell, p.to_cell, sum(p.threads), sum(p.expires_sum),
       sum(p.from_x_sum), sum(p.from_y_sum), sum(p.to_x_sum), sum(p.to_y_sum),
       thread_flow_line(sum(p.from_x_sum), sum(p.from_y_sum), sum(p.to_x_sum), sum(p.to_y_sum),
                        sum(p.threads)::integer)
  FROM threads t, thread_flow_parts(t.line, t.from_r3, t.to_r3, t.expires_at, 1) p
 WHERE t.line IS NOT NULL
 GROUP BY 1, 2, 3;

CREATE TRIGGER threads_segments_inserted AFTER INSERT ON threads
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threads_segments_inserted();
CREATE TRIGGER threads_segments_updated AFTER UPDATE ON threads
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION threads_segments_updated();
CREATE TRIGGER threads_flows_inserted AFTER INSERT ON threads
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threads_flows_inserted();
CREATE TRIGGER threads_flows_updated AFTER UPDATE ON threads
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION threads_flows_updated();
CREATE TRIGGER threads_flows_deleted AFTER DELETE ON threads
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION threads_flows_deleted();

-- A tile asks for one resolution's flows in its box, and for the pieces in its box.
CREATE INDEX thread_flows_resolution_line_gix ON thread_flows USING gist (resolution, line);
CREATE INDEX thread_segments_seg_gix ON thread_segments USING gist (seg);
ANALYZE threads, thread_segments, thread_flows;

GRANT SELECT ON thread_flows, thread_segments TO weltgewebe_edge;

-- The edge runs many small statements side by side (five layers of a composite, many tiles
-- at once). A parallel worker started for one of them cost more than it saved: a z8 hex tile
-- of 1,400 cells took 90–130 ms with a Gather, 28–34 ms without (large world, same run).
ALTER ROLE weltgewebe_edge SET max_parallel_workers_per_gather = 0;
