# One image per app, built from the repository root. The gRPC services share one stage,
# `service`, chosen by build args (compose passes them; a generated service needs no edit here):
#   docker build --target service --build-arg APP=prod-service --build-arg PORT=50051 \
#     --build-arg HEALTH_SERVICE=services.ProdService -t grpc-ts/prod-service .
#   docker build --target edge   -t grpc-ts/edge .
#   docker build --target certs  -t grpc-ts/certs .
#   docker build --target client -t grpc-ts/client .
# (docker compose builds them all; a plain `docker build .` builds the last stage, `service`,
# and stops asking for its args.) Stages:
#   manifests  the package files alone, so `npm ci` stays cached until a dependency changes
#   build      `npm ci` once and every app bundled by its Nx build target (esbuild): every
#              project tagged type:service, the client and the certs step
#   runtime    base of the service images: a non-root user, the bundled client, which
#              the gRPC HEALTHCHECK runs, and the entrypoint that sizes node's heap from
#              the container's memory limit (docker/node-entry.sh)
#   certs      compose's one-shot step that makes the CA, certificates and token (apps/certs)
#   edge       the front service: its bundle and the web page, an HTTP health check
#   client     the CLI
#   service    one gRPC service's image (APP): its bundle only, no node_modules, no sources
# Works with BuildKit and with the classic builder (docker-compose 1.29).

# Any image with node (20.11+, 22 or 24) + npm in /usr/local/bin and a `node` user (uid 1000)
# will do. Without a reachable registry: bash .ci/docker-setup.sh, then
# --build-arg BASE_IMAGE=local/node-base:24 (a base image built from the npm registry's Node).
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# Delete everything but package.json, package-lock.json and .npmrc, at any depth: the next
# stage copies this tree, and its layer only changes when one of those files does.
RUN node -e ' \
  const fs = require("node:fs"), path = require("node:path"); \
  const keep = new Set(["package.json", "package-lock.json", ".npmrc"]); \
  const prune = (dir) => { \
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) { \
      const file = path.join(dir, entry.name); \
      if (entry.isDirectory()) { prune(file); if (fs.readdirSync(file).length === 0) fs.rmdirSync(file); } \
      else if (!keep.has(entry.name)) fs.rmSync(file); \
    } \
  }; \
  prune(".");'

FROM ${BASE_IMAGE} AS build
WORKDIR /src
# Nx offline, quiet and daemon-free (as scripts/nx-env.sh does outside Docker).
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_USE_LOCAL=true NX_TUI=false
COPY --from=manifests /src ./
RUN npm ci --no-audit --no-fund
COPY . .
# The generated protobuf code is committed (CI checks it is fresh), so the builds run
# without their generate dependencies: no buf or bash needed here.
RUN npx nx run-many -t build --projects=tag:type:service,client,certs --excludeTaskDependencies --output-style=static

FROM ${BASE_IMAGE} AS runtime
WORKDIR /app
# Inside a container every service serves /metrics on 9464 (compose maps it per service).
ENV NODE_ENV=production METRICS_PORT=9464
# The client bundle alone (no source map, no protos): all the health check runs.
COPY --from=build /src/dist/apps/client/main.js /opt/client/main.js
# Starts node with its heap sized from the container's memory limit (HEAP_PERCENT of it,
# default 50): on Node 20 and 24 alike the default heap limit under a 256 MiB limit is
# 259 MiB, so the kernel kills the process before V8 collects.
COPY docker/node-entry.sh /opt/node-entry.sh
# The official image's `node` user; numeric so orchestrators can verify it is not root.
USER 1000:1000

# Writes the CA, each service's and the client's certificate and key, the token signing key
# (JWKS) and the client's token into the certs volume, keeping what is still good. /certs is
# made here and owned by uid 1000, so a new named volume mounted on it is too: the files are
# written by, and readable only by, the user every image runs as.
FROM ${BASE_IMAGE} AS certs
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/dist/apps/certs/main.js ./
RUN node -e 'const fs = require("node:fs"); fs.mkdirSync("/certs", { mode: 0o755 }); fs.chownSync("/certs", 1000, 1000);'
USER 1000:1000
ENTRYPOINT ["node", "main.js"]

FROM runtime AS edge
# main.js (esbuild bundle) and web/ (the page, bundled for the browser at build time).
COPY --from=build /src/dist/apps/edge ./
EXPOSE 8080 9464
# Liveness over HTTP (node's fetch): the edge's /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "main.js"]

FROM ${BASE_IMAGE} AS client
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/dist/apps/client ./
USER 1000:1000
ENTRYPOINT ["node", "--enable-source-maps", "main.js"]
CMD ["demo"]

# Last on purpose: the classic builder (docker-compose 1.29) builds every stage before its
# target, so no other image's build ever runs this one's argument check.
# Any gRPC service built on server-kit: APP is its project (dist/apps/APP), PORT its default
# gRPC port, HEALTH_SERVICE the service name its health check asks for. Data files the
# services ship are bundled into main.js (DATA=<file> replaces them at run time).
FROM runtime AS service
ARG APP
ARG PORT
ARG HEALTH_SERVICE
RUN test -n "${APP}" && test -n "${PORT}" && test -n "${HEALTH_SERVICE}" || \
  { echo "the service stage needs --build-arg APP, PORT and HEALTH_SERVICE" >&2; exit 1; }
COPY --from=build /src/dist/apps/${APP} ./
EXPOSE ${PORT} 9464
# The health check asks the server itself over gRPC (grpc.health.v1), not a TCP connect, at
# the default PORT; compose runs its own (over mutual TLS, with the service's certificate).
ENV HEALTH_TARGET=127.0.0.1:${PORT} HEALTH_SERVICE=${HEALTH_SERVICE}
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD node /opt/client/main.js health "$HEALTH_TARGET" "$HEALTH_SERVICE"
CMD ["sh", "/opt/node-entry.sh", "--enable-source-maps", "main.js"]
