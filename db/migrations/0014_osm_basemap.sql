-- The OpenStreetMap part of the basemap (city zooms): streets, water, green, buildings, house
-- numbers and POI/locality labels, imported from a regional extract by db/src/basemap/osm/.
-- These empty tables in schema `osm` are the one definition of what the edge reads: an import
-- builds the same tables (CREATE TABLE … LIKE these) in schema `osm_next`, fills and indexes
-- them, and swaps the schemas in one transaction, so a reader sees the old or the new basemap,
-- never a half-imported one. Without an extract they stay empty (Natural Earth only).
-- Geometries are Web Mercator; `minzoom` is chosen at import (class and area), so a tile query
-- only selects what its zoom draws. `*_low` tables are merged/simplified copies for low zooms.

CREATE SCHEMA osm;

-- Which extract is loaded (one row after an import; none before).
CREATE TABLE osm.meta (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  source       text NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  bounds       geometry(Polygon, 3857)
);

CREATE TABLE osm.water (
  class    text NOT NULL,
  name     text,
  minzoom  smallint NOT NULL,
  geom     geometry(MultiPolygon, 3857) NOT NULL
);
CREATE INDEX water_geom_gix ON osm.water USING gist (geom);

CREATE TABLE osm.waterways (
  class    text NOT NULL,
  name     text,
  minzoom  smallint NOT NULL,
  geom     geometry(LineString, 3857) NOT NULL
);
CREATE INDEX waterways_geom_gix ON osm.waterways USING gist (geom);

CREATE TABLE osm.landuse (
  class    text NOT NULL,
  name     text,
  minzoom  smallint NOT NULL,
  geom     geometry(MultiPolygon, 3857) NOT NULL
);
CREATE INDEX landuse_geom_gix ON osm.landuse USING gist (geom);

CREATE TABLE osm.roads (
  class    text NOT NULL,
  name     text,
  ref      text,
  -- Drawn above/below others (OSM layer, bridges up, tunnels down).
  z_order  smallint NOT NULL DEFAULT 0,
  bridge   boolean NOT NULL DEFAULT false,
  tunnel   boolean NOT NULL DEFAULT false,
  minzoom  smallint NOT NULL,
  geom     geometry(LineString, 3857) NOT NULL
);
CREATE INDEX roads_geom_gix ON osm.roads USING gist (geom);

CREATE TABLE osm.buildings (
  minzoom  smallint NOT NULL,
  geom     geometry(MultiPolygon, 3857) NOT NULL
);
CREATE INDEX buildings_geom_gix ON osm.buildings USING gist (geom);

CREATE TABLE osm.housenumbers (
  housenumber  text NOT NULL,
  geom         geometry(Point, 3857) NOT NULL
);
CREATE INDEX housenumbers_geom_gix ON osm.housenumbers USING gist (geom);

-- POIs and localities (suburbs, quarters, villages): towns and cities come from the gazetteer.
CREATE TABLE osm.labels (
  kind     text NOT NULL CHECK (kind IN ('poi', 'locality')),
  class    text NOT NULL,
  name     text NOT NULL,
  rank     integer NOT NULL DEFAULT 0,
  minzoom  smallint NOT NULL,
  geom     geometry(Point, 3857) NOT NULL
);
CREATE INDEX labels_geom_gix ON osm.labels USING gist (geom);

-- Low zooms: major roads merged per name and class, water and green simplified, per band.
CREATE TABLE osm.roads_low (
  class    text NOT NULL,
  name     text,
  ref      text,
  minzoom  smallint NOT NULL,
  maxzoom  smallint NOT NULL,
  geom     geometry(LineString, 3857) NOT NULL
);
CREATE INDEX roads_low_geom_gix ON osm.roads_low USING gist (geom);

CREATE TABLE osm.areas_low (
  kind     text NOT NULL CHECK (kind IN ('water_area', 'landuse')),
  class    text NOT NULL,
  minzoom  smallint NOT NULL,
  maxzoom  smallint NOT NULL,
  geom     geometry(Geometry, 3857) NOT NULL
);
CREATE INDEX areas_low_geom_gix ON osm.areas_low USING gist (geom);

GRANT USAGE ON SCHEMA osm TO weltgewebe_edge;
GRANT SELECT ON ALL TABLES IN SCHEMA osm TO weltgewebe_edge;
