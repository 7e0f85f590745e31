-- Extensions and the two service roles. Runs as the owner (the migrating role).
-- The core reads and writes; the edge only reads, and never private locations.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'weltgewebe_core') THEN
    CREATE ROLE weltgewebe_core LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'weltgewebe_edge') THEN
    CREATE ROLE weltgewebe_edge LOGIN;
  END IF;
END
$$;

-- Nobody but the owner may create objects in public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO weltgewebe_core, weltgewebe_edge;
-- Edge queries must not hang the gatekeeper.
ALTER ROLE weltgewebe_edge SET statement_timeout = '5s';
ALTER ROLE weltgewebe_edge SET default_transaction_read_only = on;
ALTER ROLE weltgewebe_core SET statement_timeout = '15s';
