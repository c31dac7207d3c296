# syntax=docker/dockerfile:1
# DealerScope: the `dealerscope` CLI on Node 20 (Debian bookworm) with Debian's Chromium for the
# browser pool. One image for both Deployments: `serve` (default) and `worker`.
#   docker build -t dealerscope:5.0.0 .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp takes the headers the Node.js image ships under /usr/local/include/node instead of
# downloading them.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# Behind a TLS-inspecting proxy, the build passes the proxy's CA (scripts/build-image.sh mounts
# the build machine's bundle); it lives only in this stage, never in the runtime image.
ARG NODE_EXTRA_CA_CERTS
# `prepare` would build before the sources are copied, so lifecycle scripts are skipped and the
# one native addon is built explicitly.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# The build's step that bundles packages of many small modules (dist/vendor/).
COPY scripts/vendor-bundles.mjs ./scripts/
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
# Chromium comes from Debian (no Playwright browser download); tini reaps its child processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dealerscope \
 && useradd --system --uid 10001 --gid dealerscope --home-dir /tmp --shell /usr/sbin/nologin dealerscope
WORKDIR /app
# One malloc arena for every command the image runs (glibc reads it only at start): the API's
# replicas, and imports, whose peak RSS it lowers by ~15 MB on a 20,000-listing feed. The two
# thresholds that return freed blocks to the system are the API Deployment's, beside its heap
# options: they cost an import 1.3 s of system time per 20,000 listings (src/http/heap-options.ts).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=1 \
    DEALERSCOPE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    CHROMIUM_PATH=/usr/bin/chromium \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Application files stay owned by root: the service user can read them but never change them.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY config ./config
COPY data ./data
RUN chmod 0755 /app/bin/dealerscope.js && ln -s /app/bin/dealerscope.js /usr/local/bin/dealerscope
# The ZIP table's binary copy, made here while /app is writable: every process reads it at start.
RUN node -e "import('/app/dist/src/common/zip-table.js').then((m) => m.loadZipTable())" && test -n "$(ls /app/data/zip)"
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_PORT||process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "dealerscope"]
CMD ["serve"]
