-- Search (edge search.query): accent-insensitive keys for the gazetteer and node titles, so
-- "Koln" finds Köln and "Gärten" finds "Gemeinschaftsgarten" by trigram word similarity.
-- unaccent() is only STABLE (its dictionary could change), which indexes and generated
-- columns refuse; this wrapper pins the dictionary and is declared IMMUTABLE on purpose.
CREATE FUNCTION immutable_unaccent(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN public.unaccent('public.unaccent'::regdictionary, $1);

-- The gazetteer comes from GeoNames (db/src/gazetteer): its id makes reloading exact, and
-- alt_name keeps GeoNames' own name where we show a German one (Munich → München).
ALTER TABLE places
  ADD COLUMN geonames_id bigint UNIQUE,
  ADD COLUMN alt_name text NOT NULL DEFAULT '',
  ADD COLUMN name_key text GENERATED ALWAYS AS (lower(immutable_unaccent(name))) STORED,
  ADD COLUMN alt_key text GENERATED ALWAYS AS (lower(immutable_unaccent(NULLIF(alt_name, '')))) STORED;
-- Prefix search as a range (key >= 'hamb' AND key < 'hamc') in bytewise order: unlike
-- LIKE 'hamb%', a range keeps using the index when the prefix is a bound parameter.
CREATE INDEX places_name_key_prefix ON places ((name_key COLLATE "C"));
CREATE INDEX places_alt_key_prefix ON places ((alt_key COLLATE "C")) WHERE alt_key IS NOT NULL;
-- Typos ("Hambrug"): trigram similarity.
CREATE INDEX places_name_key_trgm ON places USING gin (name_key gin_trgm_ops);

CREATE INDEX nodes_title_unaccent_trgm ON nodes USING gin (immutable_unaccent(title) gin_trgm_ops)
  WHERE removed_at IS NULL AND hidden_at IS NULL;

GRANT EXECUTE ON FUNCTION immutable_unaccent(text) TO weltgewebe_core, weltgewebe_edge;
