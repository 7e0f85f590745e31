# syntax=docker/dockerfile:1
# PostgreSQL + PostGIS with pgBackRest, in two targets of one file:
#  - postgres: the database server (compose service `postgis`); its archive_command pushes
#    each WAL segment with pgBackRest (Debian package) into both repositories.
#  - backup: the same server binaries (the restore drill starts a restored copy with them)
#    plus Bun, nats-server and the app code: nightly backups, the weekly restore drill and
#    the backup metrics (`bun infra/src/backup/backup-service.ts`), as the postgres user.
# Build from the repository root: docker build -f infra/docker/postgres.Dockerfile --target postgres .
ARG POSTGIS_IMAGE=postgis/postgis:15-3.4
ARG BUN_IMAGE=oven/bun:1.4

FROM ${BUN_IMAGE} AS bun

FROM ${POSTGIS_IMAGE} AS postgres
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbackrest \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 750 /var/lib/pgbackrest /var/lib/postgresql/drill \
 && install -d -o postgres -g postgres -m 750 /etc/pgbackrest

FROM ${BUN_IMAGE} AS deps
WORKDIR /app
# Every workspace manifest, because the lockfile covers all of them.
COPY package.json bun.lock bunfig.toml ./
COPY db/package.json db/
COPY events/package.json events/
COPY infra/package.json infra/
COPY infra/kit/package.json infra/kit/
COPY core/package.json core/
COPY edge/package.json edge/
COPY web/package.json web/
RUN bun install --frozen-lockfile --production --filter @weltgewebe/infra --filter @weltgewebe/core

FROM postgres AS backup
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nats-server \
 && rm -rf /var/lib/apt/lists/*
# The same Bun as the app images (both Debian bookworm), taken from that image, not downloaded.
COPY --from=bun /usr/local/bin/bun /usr/local/bin/bun
WORKDIR /app
ENV NODE_ENV=production \
    BACKUP_PORT=3006
COPY --from=deps /app ./
COPY tsconfig.base.json ./
COPY db ./db
COPY events ./events
COPY infra/kit ./infra/kit
COPY infra/src ./infra/src
COPY infra/docker/healthcheck.ts ./infra/docker/healthcheck.ts
COPY core ./core
USER postgres
EXPOSE 3006
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bun", "infra/docker/healthcheck.ts", "3006"]
ENTRYPOINT []
CMD ["bun", "infra/src/backup/backup-service.ts"]
