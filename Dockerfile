# One image for every LessLLM service: the entrypoint is the `lessllm` CLI, the command picks the service.
# Needs BuildKit (the default builder of Docker 23+ and of `docker compose build`) for the npm cache mounts.
#   docker build -t lessllm:0.1.0 .
#   docker run --rm lessllm:0.1.0 gateway  --config /etc/lessllm/lessllm.yaml   # HTTP 8000
#   docker run --rm lessllm:0.1.0 router   --config /etc/lessllm/lessllm.yaml   # HTTP 8002 (health, metrics)
#   docker run --rm lessllm:0.1.0 analyzer --config /etc/lessllm/lessllm.yaml   # HTTP 8001
#   docker run --rm lessllm:0.1.0 migrate  --config /etc/lessllm/lessllm.yaml   # one-shot schema migration
# The embedded ClickHouse engine (chdb, an optional dependency, ~550 MB) is not in the image: the services use a
# ClickHouse server (storage.clickhouse_url), so `lessllm server` needs one too when run from this image.
#
# Installs: `npm ci` with the npm that ships with the Node 20 base image (npm 10). The lock file is written by
# npm 11, which leaves other platforms' optional packages (@swc/core-*, @rollup/*, @chdb/lib-*) out of it; npm 11's
# `npm ci` then refuses the lock (CI uses `npm install` for that reason), npm 10's `npm ci` accepts it and installs
# exactly the locked versions. `npm install` is no substitute inside an image: it may rewrite the lock and
# resolve differently. If a future base image ships npm 11, set NPM_VERSION=10 (the build installs that npm first).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies (TypeScript, chdb's type declarations), compile to dist/ ----------------------------
FROM ${NODE_IMAGE} AS build
ARG NPM_VERSION=""
WORKDIR /app
RUN if [ -n "$NPM_VERSION" ]; then npm install -g "npm@$NPM_VERSION" --no-audit --no-fund; fi
COPY package.json package-lock.json ./
# --ignore-scripts: nothing here needs an install script to compile (no native build of chdb, swc or esbuild).
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
COPY test/fakes ./test/fakes
COPY test/support/ports.ts ./test/support/ports.ts
RUN npm run build && chmod +x dist/apps/cli/src/main.js

# ---- prod-deps: runtime dependencies only, no dev and no optional ones (chdb) ------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
ARG NPM_VERSION=""
WORKDIR /app
RUN if [ -n "$NPM_VERSION" ]; then npm install -g "npm@$NPM_VERSION" --no-audit --no-fund; fi
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/@chdb node_modules/chdb

# ---- runtime ------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# npm, npx, corepack and yarn are not needed to run the services: fewer binaries, fewer CVEs to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
# No LESSLLM_CONFIG default: without --config the services run from environment variables alone.
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/apps ./dist/apps
COPY --from=build /app/dist/libs ./dist/libs
COPY package.json lessllm.example.yaml ./
RUN ln -s /app/dist/apps/cli/src/main.js /usr/local/bin/lessllm
# The base image's `node` user (uid/gid 1000); Kubernetes runs it with runAsNonRoot and a read-only root filesystem
# (only /tmp is writable, an emptyDir).
USER 1000:1000
EXPOSE 8000 8001 8002
# Node is PID 1: the CLI traps SIGTERM/SIGINT itself and drains (in-flight streams finish, events are flushed).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/apps/cli/src/main.js"]
CMD ["gateway"]
