#!/usr/bin/env bash
# postgis container, first start only (docker-entrypoint-initdb.d): what the streaming replica
# (service postgis-replica) needs from the primary — a role that may only replicate, a slot
# that keeps the WAL the replica has not received yet (it catches up after being away), and
# replication connections for that role from the compose network.
set -euo pipefail

psql -v ON_ERROR_STOP=1 -v repl_password="$REPLICATION_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE weltgewebe_replicator WITH LOGIN REPLICATION PASSWORD :'repl_password';
SELECT pg_create_physical_replication_slot('weltgewebe_replica');
SQL
echo "host replication weltgewebe_replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
