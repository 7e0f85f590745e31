-- Buildings for z13–z14 of the OpenStreetMap basemap: neighbouring buildings closed into
-- blocks (gaps under one screen pixel at z14 filled), one polygon per block instead of one
-- per house, as OpenMapTiles and Protomaps draw buildings before z15. A z14 tile over a city
-- centre holds thousands of buildings; each costs ST_AsMVTGeom a GEOS clip and validation, so
-- the full table made such a tile take hundreds of milliseconds. Filled by every import
-- (db/src/basemap/osm/import-osm.ts); empty until the next import after this migration.

CREATE TABLE osm.buildings_low (
  minzoom  smallint NOT NULL,
  geom     geometry(Polygon, 3857) NOT NULL
);
CREATE INDEX buildings_low_geom_gix ON osm.buildings_low USING gist (geom);

GRANT SELECT ON osm.buildings_low TO weltgewebe_edge;
