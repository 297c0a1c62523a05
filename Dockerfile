# Outrigger: one image for every service of docker-compose.yml (L1, setup job, validators, relayer).
# Build: docker build -t outrigger:local .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Native addons (classic-level, secp256k1, keccak) load their prebuilt binaries; nothing is compiled here.
RUN npm ci
COPY . .
RUN npm run compile:contracts && npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/artifacts ./artifacts
COPY docker ./docker
# The base image's unprivileged user; every service writes only under /data.
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8545 26656 9100
ENTRYPOINT ["node", "--enable-source-maps", "/app/dist/cli/main.js"]
CMD ["node", "--home", "/data"]
# A validator is healthy once its RPC answers and it is not catching up (`outrigger status --check`).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/dist/cli/main.js", "status", "--check", "--rpc", "http://127.0.0.1:8545"]
