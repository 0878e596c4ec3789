# One image for the gateway and all five subgraphs. docker-compose.yml picks the service per container with
# working_dir and command, e.g. working_dir /app/subgraphs/identity, command ["node", "dist/main.js"];
# without them the image runs the gateway.
#
#   docker build -t repti-core:local .

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------------
# pnpm on top of Node (corepack is deliberately not used). Keep PNPM_VERSION in step with "packageManager" in
# package.json: pnpm 10 downloads and switches to that version itself when the two differ.
FROM ${NODE_IMAGE} AS pnpm
ARG PNPM_VERSION=10.34.9
RUN npm install -g "pnpm@${PNPM_VERSION}" && npm cache clean --force
# CI=true: pnpm never waits for a prompt and treats the lockfile as frozen.
ENV CI=true \
    PNPM_STORE_DIR=/pnpm/store
WORKDIR /app

# ---------------------------------------------------------------------------------------------------------
# Full install (dev dependencies included) and `pnpm -r build`.
FROM pnpm AS build
# Download every package the lockfile names into the store. This layer depends on the lockfile alone, so it
# stays cached while only sources change; the store stays in this (non-final) stage so the offline installs
# below always find it, whatever build cache the builder kept.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch --store-dir "$PNPM_STORE_DIR"
COPY . .
RUN pnpm install --offline --frozen-lockfile --store-dir "$PNPM_STORE_DIR"
RUN pnpm -r build

# ---------------------------------------------------------------------------------------------------------
# Production dependencies only, then the runtime tree collected under /out. pnpm will not turn a dev
# node_modules into a prod one in place, so the node_modules folders are removed and installed again from
# the same store (no network).
FROM build AS runtime-tree
RUN rm -rf node_modules gateway/node_modules subgraphs/*/node_modules \
 && pnpm install --offline --frozen-lockfile --prod --store-dir "$PNPM_STORE_DIR" \
 && mkdir /out \
 && cp -a --parents \
      package.json node_modules \
      gateway/package.json gateway/dist gateway/node_modules \
      subgraphs/*/package.json subgraphs/*/dist subgraphs/*/node_modules subgraphs/identity/data \
      migrations schema \
      /out/

# ---------------------------------------------------------------------------------------------------------
# Runtime: built workspace (node_modules symlinks are relative, so the tree works wherever it is copied),
# migrations/ (read by the subgraphs at start) and schema/ (the gateway's supergraph). Files stay owned by
# root; the services run as the image's unprivileged `node` user and only read them.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
COPY --from=runtime-tree /out/ /app/
USER node
WORKDIR /app/gateway
EXPOSE 4000 4001 4002 4003 4004 4005
CMD ["node", "dist/main.js"]
