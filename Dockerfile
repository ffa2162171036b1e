# One image for every role; ROLE (all | server | worker) picks what a container runs.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY worker/package.json worker/
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
COPY client-sdk/build.mjs client-sdk/tsconfig.build.json client-sdk/
COPY tsconfig.json ./
COPY protocol protocol
COPY worker worker
COPY server server
COPY client-sdk client-sdk
RUN npm ci --include=dev && npm run build
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "server/src/main.ts"]
