# One image for every Commissaire service; the service is chosen by the command, e.g.
#   docker run IMAGE commissaire-storage-service --config-file /etc/commissaire/storage.conf
# Stage 1 builds and packs the package as it is published; stage 2 installs that package only
# (no compiler, no sources, no dev dependencies) and runs as an unprivileged user.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm pack --silent && mv commissaire-ts-*.tgz /tmp/commissaire-ts.tgz

FROM node:20-bookworm-slim AS runtime
COPY --from=build /tmp/commissaire-ts.tgz /tmp/commissaire-ts.tgz
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/commissaire-ts.tgz \
 && rm /tmp/commissaire-ts.tgz && npm cache clean --force \
 && groupadd --system commissaire \
 && useradd --system --gid commissaire --home-dir /var/lib/commissaire --create-home commissaire \
 && mkdir -p /etc/commissaire && chmod 0700 /var/lib/commissaire
ENV NODE_ENV=production
USER commissaire
WORKDIR /var/lib/commissaire
VOLUME ["/var/lib/commissaire"]
EXPOSE 8000
CMD ["commissaire-server", "--config-file", "/etc/commissaire/commissaire.conf"]
