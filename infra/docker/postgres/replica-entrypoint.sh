#!/usr/bin/env bash
# postgis-replica container: on its first start (empty volume) a copy of the primary by
# pg_basebackup through the slot weltgewebe_replica (made by 30-replication.sh), written as a
# standby (-R: standby.signal and primary_conninfo); then PostgreSQL as a hot standby. The
# edges read from it (EDGE_DATABASE_REPLICA_URL) and fall back to the primary by themselves.
set -euo pipefail

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgis -U weltgewebe_replicator -d postgres >/dev/null 2>&1; do sleep 2; done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup -h postgis -U weltgewebe_replicator \
    -D "$PGDATA" -R -X stream -S weltgewebe_replica -c fast
fi
# Edge reads must not be cancelled by the primary's cleanup of rows they still read.
exec gosu postgres postgres -c hot_standby=on -c hot_standby_feedback=on
