# syntax=docker/dockerfile:1
# durable-mcp server image.
#   docker build -t durable-mcp .
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... -e DURABLE_MCP_API_KEYS=alice:secret durable-mcp
# The server binds 0.0.0.0 here, and a non-loopback bind requires API keys
# (DURABLE_MCP_API_KEYS or DURABLE_MCP_API_KEYS_FILE): without them it refuses to start.
# Several replicas must share one PostgreSQL (DATABASE_URL); without it each
# container falls back to its own embedded PGlite store under /data.

# ---- build: compile TypeScript with the dev dependencies
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed to compile (they only fetch the embedded PostgreSQL used by tests).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# tsconfig also includes test/ and bench/; they are not copied, so only src/ is compiled.
RUN npx tsc -p .

# ---- runtime: production dependencies and the compiled server only
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force \
    && mkdir -p /data \
    && chown node:node /data
COPY --from=build /app/dist/src ./dist/src

# The image's 'node' user (uid 1000); the application files stay root-owned and read-only to it.
USER node

ENV DURABLE_MCP_HOST=0.0.0.0 \
    PORT=8080 \
    DURABLE_MCP_STORE=pglite:/data/durable-mcp \
    DURABLE_MCP_GRACE_PERIOD=25s
VOLUME ["/data"]
EXPOSE 8080

# Liveness only (no dependencies). Kubernetes ignores this and uses its own probes (deploy/kubernetes.yaml).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM starts the drain: /readyz turns 503, in-flight requests get DURABLE_MCP_GRACE_PERIOD
# to finish, SSE streams close with a retry hint, then the process exits 0. Give the container
# a stop timeout above the grace period (docker run --stop-timeout 35, docker stop -t 35,
# or terminationGracePeriodSeconds); Docker's default of 10 s would kill it mid-drain.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/cli/main.js", "serve"]
