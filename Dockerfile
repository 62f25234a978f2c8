# One image runs both the operator (`medallion operator`) and the pipeline steps (`medallion run`).
# Not yet built in CI: this machine kind has no container engine (see the "Shipping it" issue).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY runner ./runner
COPY operator ./operator
COPY api ./api
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production MEDALLION_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
# Runs as the unprivileged "node" user; the lake is a mounted volume, /tmp is writable.
USER node
ENTRYPOINT ["node", "/app/bin/medallion.js"]
CMD ["--help"]
