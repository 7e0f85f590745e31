# syntax=docker/dockerfile:1
# Edge image: reads, vector tiles and live push (Elysia). Imports only core's router
# *type*, so core's code is not needed at run time.
# Build from the repository root: docker build -f infra/docker/edge.Dockerfile .
ARG BUN_IMAGE=oven/bun:1.4

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
RUN bun install --frozen-lockfile --production --filter @weltgewebe/edge

FROM ${BUN_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3001
COPY --from=deps /app ./
COPY tsconfig.base.json ./
COPY db ./db
COPY events ./events
COPY infra/kit ./infra/kit
COPY infra/docker/healthcheck.ts ./infra/docker/healthcheck.ts
COPY edge ./edge
USER bun
EXPOSE 3001
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bun", "infra/docker/healthcheck.ts", "3001"]
CMD ["bun", "edge/src/main.ts"]
