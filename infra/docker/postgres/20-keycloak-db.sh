#!/usr/bin/env bash
# postgis container, first start only (docker-entrypoint-initdb.d): a database and a
# login role for Keycloak on the same server, apart from the application's data.
set -euo pipefail

psql -v ON_ERROR_STOP=1 -v kc_password="$KEYCLOAK_DB_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE keycloak LOGIN PASSWORD :'kc_password';
CREATE DATABASE keycloak OWNER keycloak;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;
SQL
