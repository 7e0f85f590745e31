-- The whole domain of domain.md: accounts (+ private locations), nodes, threads,
-- weaveries (+ H3 cover), conversations, messages, operations (idempotency),
-- audit log, outbox, consumer inbox, H3 rollups, notifications, places.

CREATE TABLE accounts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  subject       text NOT NULL UNIQUE CHECK (char_length(subject) BETWEEN 1 AND 255),
  display_name  text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 120),
  map_state     text NOT NULL DEFAULT 'not_on_map'
                CHECK (map_state IN ('not_on_map', 'exact', 'radius')),
  -- Only the public point lives here: the location itself for `exact`, a point
  -- drawn uniformly over the disc for `radius`.
  public_point  geometry(Point, 4326),
  radius_m      integer CHECK (radius_m BETWEEN 50 AND 5000),
  h3_r3         bigint,
  h3_r5         bigint,
  h3_r7         bigint,
  h3_r9         bigint,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (map_state <> 'radius' OR radius_m IS NOT NULL),
  CHECK (public_point IS NULL OR (ST_Y(public_point) BETWEEN -85 AND 85 AND ST_X(public_point) BETWEEN -180 AND 180))
);
CREATE INDEX accounts_public_point_gix ON accounts USING gist (public_point)
  WHERE map_state <> 'not_on_map' AND public_point IS NOT NULL;

-- Private: only the core role may read it (see 0003_grants.sql).
CREATE TABLE account_locations (
  account_id   uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  location     geometry(Point, 4326) NOT NULL
               CHECK (ST_Y(location) BETWEEN -85 AND 85 AND ST_X(location) BETWEEN -180 AND 180),
  radius_m     integer CHECK (radius_m BETWEEN 50 AND 5000),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE nodes (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  kind          text NOT NULL CHECK (kind IN ('place', 'resource', 'project', 'event')),
  title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
  summary       text NOT NULL DEFAULT '' CHECK (char_length(summary) <= 500),
  body          text NOT NULL DEFAULT '' CHECK (char_length(body) <= 20000),
  address       text NOT NULL DEFAULT '' CHECK (char_length(address) <= 500),
  topics        text[] NOT NULL DEFAULT '{}' CHECK (
                  cardinality(topics) <= 4 AND topics <@ ARRAY[
                    'housing', 'food', 'mobility', 'energy', 'education', 'health', 'nature',
                    'art', 'craft', 'digital', 'neighbourhood', 'participation']::text[]),
  location      geometry(Point, 4326) NOT NULL
                CHECK (ST_Y(location) BETWEEN -85 AND 85 AND ST_X(location) BETWEEN -180 AND 180),
  h3_r3         bigint NOT NULL,
  h3_r5         bigint NOT NULL,
  h3_r7         bigint NOT NULL,
  h3_r9         bigint NOT NULL,
  starts_at     timestamptz,
  ends_at       timestamptz,
  created_by    uuid NOT NULL REFERENCES accounts (id),
  version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  removed_at    timestamptz,
  hidden_at     timestamptz,
  search        tsvector GENERATED ALWAYS AS (
                  setweight(to_tsvector('german', title), 'A') ||
                  setweight(to_tsvector('german', summary), 'B') ||
                  setweight(to_tsvector('german', address), 'C') ||
                  setweight(to_tsvector('german', body), 'D')) STORED,
  CHECK (kind <> 'event' OR starts_at IS NOT NULL),
  CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at >= starts_at)
);
-- Live nodes only: tombstones and hidden nodes never reach tiles, lists or search.
CREATE INDEX nodes_location_gix ON nodes USING gist (location)
  WHERE removed_at IS NULL AND hidden_at IS NULL;
CREATE INDEX nodes_search_gin ON nodes USING gin (search)
  WHERE removed_at IS NULL AND hidden_at IS NULL;
CREATE INDEX nodes_title_trgm ON nodes USING gin (title gin_trgm_ops)
  WHERE removed_at IS NULL AND hidden_at IS NULL;
CREATE INDEX nodes_created_by_live ON nodes (created_by) WHERE removed_at IS NULL;
CREATE INDEX nodes_h3_r3 ON nodes (h3_r3);
CREATE INDEX nodes_h3_r5 ON nodes (h3_r5);
CREATE INDEX nodes_h3_r7 ON nodes (h3_r7);

CREATE TABLE conversations (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  node_id     uuid NOT NULL UNIQUE REFERENCES nodes (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE messages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  conversation_id  uuid NOT NULL REFERENCES conversations (id),
  node_id          uuid NOT NULL REFERENCES nodes (id),
  author_id        uuid NOT NULL REFERENCES accounts (id),
  author_name      text NOT NULL CHECK (char_length(author_name) BETWEEN 1 AND 120),
  body             text NOT NULL CHECK (char_length(body) <= 4000),
  idempotency_key  uuid NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  retracted_at     timestamptz,
  hidden_at        timestamptz,
  UNIQUE (author_id, idempotency_key),
  -- A retracted message is a tombstone with blank text; a live one has 1..4000 chars.
  CHECK ((retracted_at IS NULL AND char_length(body) >= 1) OR (retracted_at IS NOT NULL AND body = ''))
);
CREATE INDEX messages_conversation_seq ON messages (conversation_id, seq);

CREATE TABLE threads (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  account_id  uuid NOT NULL REFERENCES accounts (id),
  node_id     uuid NOT NULL REFERENCES nodes (id),
  kind        text NOT NULL CHECK (kind IN ('knotting', 'participation', 'conversation')),
  spun_at     timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  expired_at  timestamptz,
  CHECK (expires_at = spun_at + interval '168 hours')
);
-- One living thread per account, node and kind: spinning again renews it.
CREATE UNIQUE INDEX threads_one_live ON threads (account_id, node_id, kind) WHERE expired_at IS NULL;
CREATE INDEX threads_node_live ON threads (node_id) WHERE expired_at IS NULL;
CREATE INDEX threads_expiry ON threads (expires_at) WHERE expired_at IS NULL;

CREATE TABLE weaveries (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
  area        geometry(MultiPolygon, 4326) NOT NULL
              CHECK (ST_IsValid(area) AND ST_NPoints(area) <= 10000),
  version     integer NOT NULL DEFAULT 1,
  created_by  uuid REFERENCES accounts (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX weaveries_area_gix ON weaveries USING gist (area);

-- H3 resolution-7 cover of each weavery, kept by the core.
CREATE TABLE weavery_cells (
  weavery_id  uuid NOT NULL REFERENCES weaveries (id) ON DELETE CASCADE,
  cell        bigint NOT NULL,
  PRIMARY KEY (weavery_id, cell)
);
CREATE INDEX weavery_cells_cell ON weavery_cells (cell);

-- Idempotency of commands: the first answer to an operation id is the answer.
CREATE TABLE operations (
  operation_id  uuid PRIMARY KEY,
  account_id    uuid NOT NULL REFERENCES accounts (id),
  command       text NOT NULL,
  request_hash  text NOT NULL,
  result        jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_id        uuid REFERENCES accounts (id),
  action          text NOT NULL,
  aggregate_type  text NOT NULL,
  aggregate_id    uuid NOT NULL,
  changes         jsonb NOT NULL DEFAULT '{}',
  request_id      text,
  occurred_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_aggregate ON audit_log (aggregate_type, aggregate_id, occurred_at);

-- Transactional outbox: written with the change, published by the relay.
CREATE TABLE outbox (
  id            uuid PRIMARY KEY,
  seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  subject       text NOT NULL CHECK (subject ~ '^gewebe\.[a-z_]+\.[a-z_]+$'),
  envelope      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;

CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Consumers remember what they handled, in the same transaction as the effect.
CREATE TABLE consumer_inbox (
  consumer      text NOT NULL,
  event_id      uuid NOT NULL,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Per-resolution H3 counts that low-zoom tiles read instead of scanning points.
CREATE TABLE h3_rollups (
  resolution      smallint NOT NULL CHECK (resolution IN (3, 5, 7, 9)),
  cell            bigint NOT NULL,
  nodes           integer NOT NULL DEFAULT 0 CHECK (nodes >= 0),
  nodes_place     integer NOT NULL DEFAULT 0 CHECK (nodes_place >= 0),
  nodes_resource  integer NOT NULL DEFAULT 0 CHECK (nodes_resource >= 0),
  nodes_project   integer NOT NULL DEFAULT 0 CHECK (nodes_project >= 0),
  nodes_event     integer NOT NULL DEFAULT 0 CHECK (nodes_event >= 0),
  accounts        integer NOT NULL DEFAULT 0 CHECK (accounts >= 0),
  threads         integer NOT NULL DEFAULT 0 CHECK (threads >= 0),
  boundary        geometry(Polygon, 4326) NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resolution, cell)
);
CREATE INDEX h3_rollups_boundary_gix ON h3_rollups USING gist (boundary);

CREATE TABLE notifications (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id  uuid NOT NULL REFERENCES accounts (id),
  event_id    uuid NOT NULL,
  kind        text NOT NULL,
  node_id     uuid REFERENCES nodes (id),
  text        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz,
  emailed_at  timestamptz,
  UNIQUE (account_id, event_id)
);
CREATE INDEX notifications_account ON notifications (account_id, created_at DESC);

-- Gazetteer of places for search ("Hamb" finds Hamburg) and basemap labels.
CREATE TABLE places (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  country     text NOT NULL,
  population  integer NOT NULL DEFAULT 0 CHECK (population >= 0),
  location    geometry(Point, 4326) NOT NULL
);
CREATE INDEX places_location_gix ON places USING gist (location);
CREATE INDEX places_name_trgm ON places USING gin (lower(name) gin_trgm_ops);
