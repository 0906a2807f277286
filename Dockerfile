# dstash node image: `docker build -t dstash:0.1.0 .`
# Runs `dstash node start`; every flag can be set as DSTASH_<FLAG> (see
# `docker run --rm dstash:0.1.0 --help`). Data lives in the /data volume.

# --- build: install everything, compile, then drop the dev dependencies ---
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY proto ./proto
COPY src ./src
COPY scripts/prune-dist.js scripts/copy-assets.js ./scripts/
# The same build as `npm run build`: tsc, then the assets the compiled code reads (the dashboard's) copied next to it.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: the compiled node and its production dependencies only ---
FROM node:20-slim
ENV NODE_ENV=production \
    DSTASH_DATA_DIR=/data \
    DSTASH_BIND=0.0.0.0 \
    DSTASH_PORT=7420
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/bin ./bin
COPY --from=build /app/proto ./proto
COPY docker/healthcheck.js docker/node-zone.js ./docker/
# `dstash` on the PATH, for `kubectl exec … -- dstash cluster status`; /data owned by the
# image's unprivileged "node" user (uid 1000).
RUN ln -s /app/bin/run.js /usr/local/bin/dstash \
 && mkdir /data \
 && chown node:node /data
USER node
VOLUME /data
# 7420: gRPC (clients, peers, health). 7421: HTTP (/metrics, /healthz, /readyz) when DSTASH_HTTP_PORT is set.
EXPOSE 7420 7421
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "/app/docker/healthcheck.js"]
ENTRYPOINT ["node", "/app/bin/run.js", "node", "start"]
