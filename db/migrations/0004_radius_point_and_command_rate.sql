-- Privacy of the radius mode and the per-account command limit.
--
-- radius_point: the public point drawn for (location, radius_m), kept in the private
-- table so that hiding and showing again with the same location and radius reuses it
-- instead of drawing a fresh sample (fresh samples could be averaged out).
ALTER TABLE account_locations
  ADD COLUMN radius_point geometry(Point, 4326)
    CHECK (radius_point IS NULL OR (ST_Y(radius_point) BETWEEN -85 AND 85 AND ST_X(radius_point) BETWEEN -180 AND 180)),
  ADD CONSTRAINT account_locations_radius_point_has_radius
    CHECK (radius_point IS NULL OR radius_m IS NOT NULL);

-- One fixed window per signed-in subject, shared by every core instance: a command
-- increments it in one atomic upsert; a window older than a minute starts over.
CREATE TABLE command_rate_windows (
  subject            text PRIMARY KEY CHECK (char_length(subject) BETWEEN 1 AND 255),
  window_started_at  timestamptz NOT NULL,
  commands           integer NOT NULL CHECK (commands >= 1)
);

-- Core only (default privileges of 0003 grant it); the edge gets nothing here.
REVOKE ALL ON command_rate_windows FROM weltgewebe_edge, PUBLIC;
