# syntax=docker/dockerfile:1
# OSM basemap image: osm2pgsql (flex output, Lua) and osmium on Bun's Debian base, with the db
# package that runs the import (db/src/basemap/osm). Used by the `osm-import` one-shot in
# docker-compose.yml (profile `osm`), which infra/deploy/osm-refresh.sh runs nightly.
# Build from the repository root: docker build -f infra/docker/osm.Dockerfile .
ARG BUN_IMAGE=oven/bun:1.4

FROM ${BUN_IMAGE} AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
COPY db/package.json db/
COPY events/package.json events/
COPY infra/package.json infra/
COPY infra/kit/package.json infra/kit/
COPY core/package.json core/
COPY edge/package.json edge/
COPY web/package.json web/
RUN bun install --frozen-lockfile --production --filter @weltgewebe/db

FROM ${BUN_IMAGE} AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      osm2pgsql osmium-tool curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app ./
COPY tsconfig.base.json ./
COPY db ./db
COPY events ./events
COPY infra/deploy/osm-import.sh ./infra/deploy/osm-import.sh
# The volume mounted here starts with this owner.
RUN mkdir -p /data && chown bun:bun /data
USER bun
CMD ["sh", "infra/deploy/osm-import.sh"]
