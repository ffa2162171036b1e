# One image for every role; ROLE (all | server | worker) picks what a container runs.
# Stages: `base` is Node 20 with the npm that writes package-lock.json; `build` installs every
# dependency and compiles each package into its dist/; the final image holds production
# dependencies, the package manifests and the compiled output only (no TypeScript sources, no
# tsx, no compiler) and runs plain node as a non-root user.
# In both stages the manifests are copied before anything else, so a code change reuses the
# dependency layers and only recompiles.

FROM node:20-bookworm-slim AS base
# package-lock.json is written by npm 11. The npm 10 bundled with Node 20 reads its optional
# peer entries differently and refuses `npm ci` ("Missing: esbuild@… from lock file").
RUN npm install -g npm@11.19.1 --no-audit --no-fund && npm cache clean --force
WORKDIR /app

# The package manifests alone: both stages below install from them before any source arrives.
FROM base AS manifests
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY core/package.json core/
COPY outputs/package.json outputs/
COPY worker/package.json worker/
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
COPY console/package.json console/

FROM base AS build
COPY --from=manifests /app ./
# --ignore-scripts: the root `prepare` script runs the build, and the sources are not here yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts scripts
COPY protocol protocol
COPY core core
COPY outputs outputs
COPY worker worker
COPY server server
COPY client-sdk client-sdk
COPY console console
RUN npm run build

FROM base
ENV NODE_ENV=production
COPY --from=manifests /app ./
# Production dependencies only; npm links the workspace packages into node_modules/@liveline.
# --ignore-scripts: `prepare` would try to build without the compiler. Cleaning the npm cache
# in the same layer keeps the downloaded tarballs out of the image.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# The compiled packages (core/dist/lua holds the Lua scripts core/dist/scripts.js reads), and
# the bundles the server serves: the client SDK's /widget.js, the console's page and /console.js.
COPY --from=build /app/protocol/dist protocol/dist
COPY --from=build /app/core/dist core/dist
COPY --from=build /app/outputs/dist outputs/dist
COPY --from=build /app/worker/dist worker/dist
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/client-sdk/dist client-sdk/dist
COPY --from=build /app/console/dist console/dist
# Uploaded media go to /app/data/media (compose mounts the shared `media` volume there); a new
# named volume takes this directory's owner, so the node user can write to it.
RUN mkdir -p /app/data/media && chown -R node:node /app/data
USER node
EXPOSE 3000
# A worker-only container may run `node worker/dist/main.js` instead (or this with ROLE=worker).
CMD ["node", "server/dist/main.js"]
