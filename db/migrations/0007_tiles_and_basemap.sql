-- What the vector tiles read beyond the domain tables:
-- * basemap_shapes / basemap_places: the self-hosted basemap (land, water, country borders,
--   place and country labels), loaded by db/src/basemap/ from npm data packages and stored
--   generalised per zoom band in Web Mercator, so a tile only clips what it needs.
-- * H3 helpers: parent cells and double-safe feature ids by bit arithmetic on the H3 index
--   (no h3 extension needed), for the rollup clusters of low zooms.
-- * a GIN index on node topics for topic-filtered tiles.

CREATE SEQUENCE basemap_feature_id;

CREATE TABLE basemap_shapes (
  -- One id space with basemap_places: MapLibre feature-state needs ids unique in the layer.
  id       bigint PRIMARY KEY DEFAULT nextval('basemap_feature_id'),
  kind     text NOT NULL CHECK (kind IN ('land', 'water', 'border')),
  minzoom  smallint NOT NULL CHECK (minzoom BETWEEN 0 AND 22),
  maxzoom  smallint NOT NULL CHECK (maxzoom BETWEEN 0 AND 22),
  geom     geometry(Geometry, 3857) NOT NULL,
  CHECK (minzoom <= maxzoom)
);
CREATE INDEX basemap_shapes_geom_gix ON basemap_shapes USING gist (geom);

CREATE TABLE basemap_places (
  id          bigint PRIMARY KEY DEFAULT nextval('basemap_feature_id'),
  kind        text NOT NULL CHECK (kind IN ('place', 'country')),
  name        text NOT NULL,
  country     text NOT NULL DEFAULT '',
  population  integer NOT NULL DEFAULT 0 CHECK (population >= 0),
  minzoom     smallint NOT NULL CHECK (minzoom BETWEEN 0 AND 22),
  geom        geometry(Point, 3857) NOT NULL
);
CREATE INDEX basemap_places_geom_gix ON basemap_places USING gist (geom);

-- Which data the basemap tables hold (the loader skips work that is already done).
CREATE TABLE basemap_meta (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version    text NOT NULL,
  loaded_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON basemap_shapes, basemap_places, basemap_meta TO weltgewebe_edge;

-- The H3 index layout: bits 52–55 resolution, 45–51 base cell, then 15 digits of 3 bits,
-- unused digits set to 7. A parent keeps the first digits and sets the rest to 7.
CREATE FUNCTION tile_h3_parent(cell bigint, parent_res integer) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (cell & ~(15::bigint << 52) & ~((1::bigint << (3 * (15 - parent_res))) - 1))
         | (parent_res::bigint << 52)
         | ((1::bigint << (3 * (15 - parent_res))) - 1)
$$;

-- A feature id below 2^53 (map clients read ids as doubles; an H3 index does not fit):
-- 2^52 + resolution·2^45 + base cell and used digits (resolutions 0–9, as the rollups use).
-- Node, account and thread seqs stay far below 2^52.
CREATE FUNCTION tile_h3_feature_id(cell bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (1::bigint << 52) + (r::bigint << 45)
         + ((cell >> (3 * (15 - r))) & ((1::bigint << (7 + 3 * r)) - 1))
    FROM (SELECT ((cell >> 52) & 15)::int AS r) s
$$;

CREATE INDEX nodes_topics_gin ON nodes USING gin (topics)
  WHERE removed_at IS NULL AND hidden_at IS NULL;
