# syntax=docker/dockerfile:1
# Web image: the SvelteKit server (adapter-node) with pages and the OIDC login.
# Build from the repository root: docker build -f infra/docker/web.Dockerfile .
ARG BUN_IMAGE=oven/bun:1.4

FROM ${BUN_IMAGE} AS manifests
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

FROM manifests AS build
# Dev dependencies too: Vite, SvelteKit and Tailwind build the app; the edge
# workspace is there for its router type.
RUN bun install --frozen-lockfile --filter @weltgewebe/web
COPY . .
RUN bun run --filter @weltgewebe/web build

FROM manifests AS deps
# adapter-node leaves `dependencies` as imports, so the server needs them at run time.
RUN bun install --frozen-lockfile --production --filter @weltgewebe/web

FROM ${BUN_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000
COPY --from=deps /app ./
COPY --from=build /app/web/build ./web/build
COPY infra/docker/healthcheck.ts ./infra/docker/healthcheck.ts
COPY web/serve.js ./web/serve.js
USER bun
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bun", "infra/docker/healthcheck.ts", "3000"]
CMD ["bun", "web/serve.js"]
