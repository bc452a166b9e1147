# syntax=docker/dockerfile:1
# Certus-Trust container image.
#
#   docker build -t certus-trust:dev .
#   docker run --read-only --tmpfs /tmp -v certus-data:/data -p 8888:8888 \
#     -e CERTUS_TRUST_AUTH=api-key certus-trust:dev
#
# Two stages: `build` installs every dependency (`npm ci`, which also compiles TypeScript and the
# web console through the `prepare` script), builds, then drops the dev dependencies; `runtime`
# copies only what `node dist/src/main.js` needs onto a slim Node 24 base, as a non-root user.
# The image writes nowhere but /data (the data directory: keys, log, audit trail, TUF) and /tmp,
# so it runs with a read-only root filesystem (compose `read_only: true`, Kubernetes
# `readOnlyRootFilesystem: true`).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
# Manifests first, so that the dependency layer is reused while only sources change. The
# workspaces (sdk/typescript, bin) must be present for `npm ci` to link them.
COPY package.json package-lock.json ./
COPY sdk/typescript/package.json sdk/typescript/package.json
COPY bin/package.json bin/package.json
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY . .
# `npm ci --ignore-scripts` skipped the install scripts (the pinned `node` runtime and esbuild
# need theirs): rebuild runs them, then the project's own build.
RUN npm rebuild && npm run build
# Only runtime dependencies go to the next stage (workspace links stay).
RUN npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="certus-trust" \
      org.opencontainers.image.description="Certus-Trust: sign, verify, prove and distribute keys over Sigstore" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    CERTUS_TRUST_DATA_DIR=/data \
    CERTUS_TRUST_PORT=8888 \
    CERTUS_TRUST_HOST=0.0.0.0
WORKDIR /app
# A fixed numeric UID/GID (10001) so that Kubernetes `runAsNonRoot` can check it and volume
# ownership (fsGroup) is predictable.
RUN groupadd --system --gid 10001 certus \
 && useradd --system --uid 10001 --gid certus --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin certus \
 && mkdir -p /data && chown certus:certus /data && chmod 0700 /data
COPY --from=build --chown=root:root /src/package.json ./package.json
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --from=build --chown=root:root /src/sdk/typescript/package.json ./sdk/typescript/package.json
COPY --from=build --chown=root:root /src/sdk/typescript/dist ./sdk/typescript/dist
COPY --from=build --chown=root:root /src/bin ./bin
# One-shot helper for docker-compose.yml: generates the private Sigstore stack's keys,
# certificates, trusted root and TUF repository (uses @peculiar/x509 and @tufjs/models from
# node_modules, hence inside /app).
COPY --from=build --chown=root:root /src/deploy/sigstore/init-stack.mjs ./deploy/sigstore/init-stack.mjs
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8888
# No curl in the image: Node itself asks /readyz (200 once the service accepts calls).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CERTUS_TRUST_PORT||8888)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/main.js", "serve"]
