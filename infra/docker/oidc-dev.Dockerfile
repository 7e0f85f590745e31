# syntax=docker/dockerfile:1
# Dev OIDC provider image: the same provider `up` and the tests use, for staging
# setups without Keycloak. Never for production logins: its users are demo users.
# Build from the repository root: docker build -f infra/docker/oidc-dev.Dockerfile .
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
RUN bun install --frozen-lockfile --production --filter @weltgewebe/infra

FROM ${BUN_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    OIDC_PORT=3003
COPY --from=deps /app ./
COPY tsconfig.base.json ./
COPY infra ./infra
# The provider keeps its signing keys under .data/ (OIDC_KEYS_FILE); mount a volume there.
RUN mkdir -p /app/.data && chown bun:bun /app/.data
USER bun
EXPOSE 3003
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "infra/docker/healthcheck.ts", "3003"]
CMD ["bun", "infra/src/oidc/main.ts"]
