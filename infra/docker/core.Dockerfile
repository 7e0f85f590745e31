# syntax=docker/dockerfile:1
# Core image: the tRPC command service. The same image runs the outbox relay
# (`bun core/src/relay-main.ts`), the workers (`bun core/src/workers/main.ts`) and
# the migrations (`bun db/src/migrate-cli.ts`); docker-compose.yml picks the command.
# Build from the repository root: docker build -f infra/docker/core.Dockerfile .
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
RUN bun install --frozen-lockfile --production --filter @weltgewebe/core

FROM ${BUN_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3002
COPY --from=deps /app ./
COPY tsconfig.base.json ./
COPY db ./db
COPY events ./events
COPY infra/kit ./infra/kit
COPY infra/docker/healthcheck.ts ./infra/docker/healthcheck.ts
COPY core ./core
# The base image's unprivileged user; the app only reads its files.
USER bun
EXPOSE 3002
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bun", "infra/docker/healthcheck.ts", "3002"]
CMD ["bun", "core/src/main.ts"]
