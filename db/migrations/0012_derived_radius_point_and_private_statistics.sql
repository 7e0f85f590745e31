-- Radius mode without a way back to the private place (core/README.md, Garnrolle):
--
-- 1. The public point is derived, not drawn: the core snaps the location to a cell of a
--    per-account shifted H3 grid and picks the point with HMAC(secret, radius, cell). The
--    secret and the cells used recently live here, in the private table. Rows that exist now
--    get their secret from two gen_random_uuid() (PostgreSQL's strong random source: 244
--    random bits); the core gives new rows 32 bytes of its own.
-- 2. Radii come from a fixed ladder. Existing radii move to the next larger rung, never a
--    smaller one: nobody is shown more precisely than they asked for.
-- 3. Existing radius accounts are marked `rederive`: the core recomputes their public point
--    by the new rule once, at start (core/src/accounts/rederive.ts), and clears the mark.
--    The old drawn point (radius_point) goes.
-- 4. Statistics are data: PostGIS helpers that read a table's planner statistics or index
--    pages answer for any table, whatever the caller's privileges on it (ST_EstimatedExtent
--    is SECURITY DEFINER, the others read pg_statistic in C). Nobody but the owner may call
--    them; the planner's own use of statistics does not go through these functions.

UPDATE accounts SET radius_m = CASE
    WHEN radius_m <= 50 THEN 50 WHEN radius_m <= 100 THEN 100 WHEN radius_m <= 250 THEN 250
    WHEN radius_m <= 500 THEN 500 WHEN radius_m <= 1000 THEN 1000 WHEN radius_m <= 2500 THEN 2500
    ELSE 5000 END
  WHERE radius_m IS NOT NULL;
UPDATE account_locations SET radius_m = CASE
    WHEN radius_m <= 50 THEN 50 WHEN radius_m <= 100 THEN 100 WHEN radius_m <= 250 THEN 250
    WHEN radius_m <= 500 THEN 500 WHEN radius_m <= 1000 THEN 1000 WHEN radius_m <= 2500 THEN 2500
    ELSE 5000 END
  WHERE radius_m IS NOT NULL;

ALTER TABLE accounts DROP CONSTRAINT accounts_radius_m_check,
  ADD CONSTRAINT accounts_radius_m_check
    CHECK (radius_m IN (50, 100, 250, 500, 1000, 2500, 5000));

ALTER TABLE account_locations DROP CONSTRAINT account_locations_radius_m_check,
  ADD CONSTRAINT account_locations_radius_m_check
    CHECK (radius_m IN (50, 100, 250, 500, 1000, 2500, 5000)),
  DROP COLUMN radius_point,
  ADD COLUMN secret bytea NOT NULL
    DEFAULT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')
    CHECK (octet_length(secret) >= 16),
  ADD COLUMN recent_cells text[] NOT NULL DEFAULT '{}' CHECK (cardinality(recent_cells) <= 32),
  ADD COLUMN rederive boolean NOT NULL DEFAULT false;

UPDATE account_locations l SET rederive = true
  FROM accounts a WHERE a.id = l.account_id AND a.map_state = 'radius';

REVOKE EXECUTE ON FUNCTION
  ST_EstimatedExtent(text, text),
  ST_EstimatedExtent(text, text, text),
  ST_EstimatedExtent(text, text, text, boolean),
  _postgis_stats(regclass, text, text),
  _postgis_selectivity(regclass, text, geometry, text),
  _postgis_join_selectivity(regclass, text, regclass, text, text),
  _postgis_index_extent(regclass, text)
FROM PUBLIC;
