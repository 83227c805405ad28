# syntax=docker/dockerfile:1
#
# One multi-stage build for every image of docker-compose.yml. Pick an image with --target:
#   auth          the auth service            (node dist/server.js, port 4000)
#   api           one resource replica        (node dist/server.js, port 3000)
#   cli           the authlab command         (docker compose run --rm cli compare)
#   secrets-init  writes the random secrets into the shared volume, then exits
#   nginx         the balancer and the browser dashboard (services/web/dist)
#
# The build steps live in deploy/compose/build-service.sh, which test/compose runs without Docker.

# Node.js 26 ("Lithium") is the Active LTS line since 2026-10-28. The tag pins the Node.js release and the
# Debian release (trixie) so that a rebuild gets the same runtime.
ARG NODE_IMAGE=node:26.13.0-trixie-slim
# The pnpm release that wrote pnpm-lock.yaml. Node.js 25 and later ship without corepack, so npm installs it.
ARG PNPM_VERSION=10.34.9
# The official nginx image. 1.27.3 or later, because deploy/compose/nginx.conf re-resolves its upstreams.
ARG NGINX_IMAGE=nginx:1.30.6-alpine

# ---- build stages: the whole workspace with its dev dependencies ----

FROM ${NODE_IMAGE} AS workspace
ARG PNPM_VERSION
ENV CI=true
RUN npm install --global "pnpm@${PNPM_VERSION}" && pnpm --version
WORKDIR /workspace
# `pnpm fetch` needs only the lockfile, so this layer, with every downloaded package, stays cached until the
# lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .

FROM workspace AS auth-build
RUN sh deploy/compose/build-service.sh services/auth /deployed

FROM workspace AS api-build
RUN sh deploy/compose/build-service.sh services/api /deployed

FROM workspace AS cli-build
RUN sh deploy/compose/build-service.sh packages/cli /deployed

# The dashboard is static files: Vite writes them to services/web/dist, and the nginx image serves them.
FROM workspace AS web-build
RUN pnpm install --frozen-lockfile --prefer-offline && pnpm --filter @authlab/web build

# ---- runtime stages: Node.js, tini and one deployed package, run as the unprivileged `node` user ----

FROM ${NODE_IMAGE} AS runtime
# tini runs as PID 1: it passes SIGTERM and SIGINT on to Node.js, so the services close gracefully on
# `docker compose stop`, and it reaps zombie processes.
RUN apt-get update \
  && apt-get install --yes --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# The mount point of the secrets volume. A new named volume copies the owner and mode of the folder it is
# first mounted on, so the files written by secrets-init belong to `node` (uid 1000) and to nobody else.
RUN install -d -o node -g node -m 0700 /run/secrets/authlab
ENV NODE_ENV=production
WORKDIR /app
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS auth
# The deployed files stay owned by root, so the service cannot change its own code.
COPY --from=auth-build /deployed /app
EXPOSE 4000
CMD ["node", "dist/server.js"]

FROM runtime AS api
COPY --from=api-build /deployed /app
EXPOSE 3000
CMD ["node", "dist/server.js"]

FROM runtime AS cli
COPY --from=cli-build /deployed /app
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/bin.js"]
CMD ["--help"]

FROM runtime AS secrets-init
COPY deploy/compose/init-secrets.mjs /app/init-secrets.mjs
CMD ["node", "/app/init-secrets.mjs"]

# ---- the balancer: official nginx with the compose config and the dashboard ----

FROM ${NGINX_IMAGE} AS nginx
# The image's entrypoint runs envsubst on /etc/nginx/templates/*.template before nginx starts. Here it
# writes /etc/nginx/nginx.conf and fills in only the AUTHLAB_ variables: the host ports that the
# dashboard's config.json names. nginx's own variables, such as $host, stay as they are.
ENV NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx \
  NGINX_ENVSUBST_FILTER=^AUTHLAB_ \
  AUTHLAB_BALANCER_PORT=8080 \
  AUTHLAB_IP_HASH_PORT=8081 \
  AUTHLAB_COOKIE_HASH_PORT=8082 \
  AUTHLAB_STICKY_ROUTE_PORT=8083
COPY deploy/compose/nginx.conf /etc/nginx/templates/nginx.conf.template
COPY --from=web-build /workspace/services/web/dist /usr/share/nginx/dashboard
EXPOSE 8080 8081 8082 8083 8088
