# syntax=docker/dockerfile:1
# One image for the operator (`medallion operator`), the read API (`medallion api`) and the pipeline steps
# (`medallion run`, what the operator's Jobs execute). Build: docker build -t medallion:0.1.0 .
# Built and run in CI by `npm run test:image` (test/image/: buildah + podman, ADR 0011); test/chart/dockerfile.chart-test.ts checks it statically too.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile TypeScript with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY runner ./runner
COPY operator ./operator
COPY api ./api
COPY cli ./cli
RUN npm run build

# 2. Production dependencies only, installed afresh (no dev tool or compiler reaches the runtime image).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: node, tini and the app, owned by root and read-only to the unprivileged user.
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node (a PID 1 process gets no default signal handlers, so `medallion run`
# would ignore it) and reaps the children of embedded PostgreSQL. npm, npx and yarn are not needed at run time.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm \
     /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
  && groupadd --gid 10001 medallion \
  && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin medallion
# Works with a read-only root filesystem: the only writes go to /tmp (an emptyDir in the chart and in step Jobs: HOME
# and TMPDIR for DuckDB and the warehouse loader's work files) and to the lake volume (--lake, where DuckDB spills).
ENV NODE_ENV=production \
    MEDALLION_LOG_FORMAT=json \
    HOME=/tmp \
    TMPDIR=/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The sample pipeline and five days of the UCI Online Retail data (CC BY 4.0; attribution in data/SOURCES.md).
COPY examples/online-retail ./examples/online-retail
LABEL org.opencontainers.image.title="medallion" \
      org.opencontainers.image.description="Medallion operator, read API and pipeline runner" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"
# Numeric, so Kubernetes can verify runAsNonRoot without a passwd lookup (the chart and step Jobs set it).
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/medallion.js"]
CMD ["--help"]
